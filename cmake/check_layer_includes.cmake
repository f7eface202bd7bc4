# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# cmake -P helper of pp_layer_library (layers.cmake): fails when a file of TARGET includes a
# header of a layer that TARGET does not use (directly or through the libraries it uses).
string(REPLACE "," ";" files "${FILES}")
string(REPLACE "," ";" allowed "${ALLOWED}")
string(REPLACE "," ";" layers "${LAYERS}")
set(errors "")
foreach(file IN LISTS files)
  file(STRINGS ${file} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[a-z_]+/")
  foreach(line IN LISTS lines)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([a-z_]+)/.*" "\\1" included "${line}")
    list(FIND layers "${included}" is_layer)
    if(is_layer EQUAL -1)
      continue()  # not a layer folder (e.g. a generated skeleton)
    endif()
    list(FIND allowed "${included}" ok)
    if(ok EQUAL -1)
      string(APPEND errors "  ${file}: ${line}\n")
    endif()
  endforeach()
endforeach()
if(errors)
  message(FATAL_ERROR "${TARGET} (layer ${LAYER}) includes headers of layers it does not use "
                      "(it may use: ${allowed}):\n${errors}"
                      "Layers only use the ones below them; link the piece you need through USES "
                      "in its CMakeLists.txt, or move the code to the layer where it belongs.")
endif()
file(TOUCH ${STAMP})
