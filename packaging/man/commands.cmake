# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Writes a help2man include file with a COMMANDS section: each subcommand's own --help, verbatim
# (as roff no-fill text), so that the man page says exactly what the binary says.
# Run: cmake -DPROTOPORT=<binary> -DOUT=<file> -P commands.cmake
set(text "[COMMANDS]\n")
foreach(sub watch replay policy stats)
  execute_process(COMMAND ${PROTOPORT} ${sub} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${PROTOPORT} ${sub} --help exited ${rc}")
  endif()
  # roff: a backslash is \e; a line starting with . or ' would be a request, one with [ a
  # help2man section: \& before it.
  string(REPLACE "\\" "\\e" help "${help}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" help "${help}")
  string(REGEX REPLACE "(^|\n)(\\[)" "\\1\\\\&\\2" help "${help}")
  string(APPEND text ".SS ${sub}\n.nf\n${help}.fi\n")
endforeach()
file(WRITE ${OUT} "${text}")
