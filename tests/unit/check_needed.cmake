# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# cmake -P: fails when the shared object MODULE has a NEEDED entry starting with one of the
# comma-separated FORBIDDEN prefixes (read with readelf -d), or has no NEEDED entry at all
# (which would mean readelf did not read it).
find_program(READELF readelf REQUIRED)
execute_process(COMMAND ${READELF} -d ${MODULE} OUTPUT_VARIABLE dyn RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "readelf -d ${MODULE} failed (${rc})")
endif()
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]\n]*\\]" needed "${dyn}")
if(NOT needed)
  message(FATAL_ERROR "${MODULE}: no NEEDED entries read")
endif()
string(REPLACE "," ";" forbidden "${FORBIDDEN}")
foreach(entry IN LISTS needed)
  string(REGEX REPLACE ".*\\[(.*)\\]" "\\1" lib "${entry}")
  foreach(prefix IN LISTS forbidden)
    string(FIND "${lib}" "${prefix}" at)
    if(at EQUAL 0)
      message(FATAL_ERROR "${MODULE} needs ${lib}: it must not (forbidden: ${FORBIDDEN})")
    endif()
  endforeach()
  message(STATUS "NEEDED ${lib}")
endforeach()
