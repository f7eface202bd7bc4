#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# packaging.man_completion (issue 18, item 4): protoport(8) renders with `man -l` and holds every
# section and every subcommand; the bash completion script parses (`bash -n`), completes
# subcommands, options and option values, and lists every option each subcommand's --help has.
#   test_man_completion.sh PROTOPORT MAN_PAGE COMPLETION_SCRIPT
set -euo pipefail
pp=$1 page=$2 script=$3
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

[[ -f $page ]] || { echo "FAIL: no man page at $page (help2man missing? run scripts/setup.sh)" >&2; exit 1; }
rendered=$(MANPAGER=cat MANWIDTH=100 man -l "$page" 2>&1) || fail "man -l $page failed: $rendered"
for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" POLICY COMMANDS FILES EXAMPLES "SEE ALSO"; do
  grep -q "^$section" <<<"$rendered" || fail "man page: no $section section"
done
for sub in watch replay policy stats; do
  grep -qE "^ +$sub$" <<<"$rendered" || fail "man page: no COMMANDS entry for $sub"
done
grep -q -- "--opening-bytes" <<<"$rendered" || fail "man page: the subcommands' options are missing"
if grep -qE "^OPTION GROUP" <<<"$rendered"; then fail "man page: help text taken for sections"; fi

bash -n "$script" || fail "bash -n $script"
# shellcheck source=/dev/null
source "$script"
complete_words() {  # the words of a command line, the last being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _protoport
  echo "${COMPREPLY[*]}"
}
[[ $(complete_words protoport wa) == watch ]] || fail "'protoport wa' completes to '$(complete_words protoport wa)'"
[[ $(complete_words protoport replay --fo) == --format ]] || fail "'replay --fo' gives '$(complete_words protoport replay --fo)'"
[[ $(complete_words protoport policy --preset ex) == extended ]] || fail "'--preset ex' gives '$(complete_words protoport policy --preset ex)'"
[[ $(complete_words protoport watch --format j) == json ]] || fail "'--format j' gives '$(complete_words protoport watch --format j)'"
[[ " $(complete_words protoport watch -i '') " == *" lo "* ]] || fail "'watch -i' does not offer the interfaces"
for sub in watch replay policy stats; do
  offered=" $(complete_words protoport "$sub" --) "
  for opt in $("$pp" "$sub" --help | grep -oE '^ +(-[a-zA-Z],)?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+'); do
    [[ $offered == *" $opt "* ]] || fail "completion of '$sub --' lacks $opt (listed by '$sub --help')"
  done
done

if ((fails)); then echo "man_completion: $fails failure(s)" >&2; exit 1; fi
echo "man_completion: ok"
