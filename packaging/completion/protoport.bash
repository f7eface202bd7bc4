# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bash completion for protoport: subcommands, their options, and the values options take
# (presets, formats, XDP modes, interfaces, files). Standalone: needs no bash-completion helpers,
# so it also works when sourced by hand. Installed to share/bash-completion/completions/protoport.
# tests/packaging/test_completion.sh checks that every option `protoport SUB --help` lists is here.

_protoport_options() {
  local common="--help --format --output --flows --pcap-out --pcap-max-bytes --risk --config
    --preset --port-rules --dump
    --hec-url --hec-token-file --hec-token-env --syslog --metrics-listen --snap-len
    --samples-per-dir --opening-bytes --opening-packets --max-flows --ringbuf-size
    --max-tracked-flows --max-report-rows --verbose"
  case $1 in
    watch) echo "$common --interface --xdp-mode --duration --interval --no-egress --no-ingress --no-process" ;;
    replay) echo "$common --no-progress --exact" ;;
    policy) echo "--help --config --preset --port-rules" ;;
    stats) echo "--help --json" ;;
  esac
}

_protoport() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} sub="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case ${COMP_WORDS[i]} in
      watch | replay | policy | stats) sub=${COMP_WORDS[i]}; break ;;
    esac
  done
  COMPREPLY=()
  if [[ -z $sub ]]; then
    COMPREPLY=($(compgen -W "watch replay policy stats --help --version" -- "$cur"))
    return
  fi
  # The value of the option before the cursor.
  case $prev in
    --preset) COMPREPLY=($(compgen -W "default escu-v10 extended" -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "table json csv" -- "$cur")); return ;;
    --port-rules) COMPREPLY=($(compgen -W "on off" -- "$cur")); return ;;
    --xdp-mode) COMPREPLY=($(compgen -W "auto native generic" -- "$cur")); return ;;
    -i | --interface)
      COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
    --config | --output | --flows | --pcap-out | --hec-token-file)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --duration | --interval | --snap-len | --samples-per-dir | --opening-bytes | \
    --opening-packets | --max-flows | --ringbuf-size | --max-tracked-flows | \
    --max-report-rows | --pcap-max-bytes | --hec-url | --hec-token-env | --syslog | \
    --metrics-listen)
      return ;;  # a value of the user's own
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_protoport_options "$sub")" -- "$cur"))
  elif [[ $sub == replay ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))  # captures
  fi
}

complete -F _protoport protoport
