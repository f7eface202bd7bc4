# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The userspace layers, lowest first. A library of one layer links and includes only libraries of
# its own layer and of the layers below it; anything else fails the configure step (links) or the
# build (includes). docs/ARCHITECTURE.md says what each layer owns.
#   protoport    include/protoport: the kernel/userspace ABI (structs, counters, limits)
#   common       addresses, escaping, text, time, bounded LRU, counter names: no dependencies
#   config       the YAML configuration file: strict reader, sections registered by their owners
#   fingerprint  which protocol do these bytes speak
#   detect       samples -> flows -> one verdict per flow
#   policy       expected ports and filters: verdict -> mismatch
#   report       aggregation, risk events, table/JSON/CSV, --output files
#   export       Splunk HEC, syslog, Prometheus
#   loader       the XDP program: load, attach, ring buffer, counters (libbpf)
#   replay       captures -> frames for the program (libpcap)
#   pipeline     samples -> detect -> policy -> report -> export, as one sink
#   cli          the protoport command
set(PP_LAYERS protoport common config fingerprint detect policy report export loader replay
              pipeline cli)

set(PP_LAYER_CHECK_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/check_layer_includes.cmake)

# pp_layer_library(<target> LAYER <layer> SOURCES <files...> [USES <pp targets...>]
#                  [LINK <external targets...>] [PRIVATE_LINK <external targets...>])
# USES names protoport targets (their layer must not be above LAYER); LINK/PRIVATE_LINK name
# third-party ones. Every source and header of the target is listed in SOURCES: the build
# checks their #include "<layer>/..." lines against the layers the target may use.
function(pp_layer_library target)
  cmake_parse_arguments(A "" "LAYER" "SOURCES;USES;LINK;PRIVATE_LINK" ${ARGN})
  list(FIND PP_LAYERS "${A_LAYER}" own)
  if(own EQUAL -1)
    message(FATAL_ERROR "${target}: unknown layer '${A_LAYER}' (layers: ${PP_LAYERS})")
  endif()
  set(allowed ${A_LAYER})
  foreach(dep IN LISTS A_USES)
    if(NOT TARGET ${dep})
      message(FATAL_ERROR "${target} (layer ${A_LAYER}) uses ${dep}, which is not defined: "
                          "a missing piece, or a layer above ${A_LAYER} (defined later)")
    endif()
    get_target_property(dep_layer ${dep} PP_LAYER)
    if(NOT dep_layer)
      message(FATAL_ERROR "${target}: ${dep} is not a protoport layer library; put it in LINK")
    endif()
    list(FIND PP_LAYERS "${dep_layer}" pos)
    if(pos GREATER own)
      message(FATAL_ERROR "${target} (layer ${A_LAYER}) may not use ${dep} (layer ${dep_layer}): "
                          "layers only use the ones below them (${PP_LAYERS})")
    endif()
    get_target_property(dep_allowed ${dep} PP_LAYER_CLOSURE)
    list(APPEND allowed ${dep_allowed})
  endforeach()
  list(REMOVE_DUPLICATES allowed)

  add_library(${target} STATIC ${A_SOURCES})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/userspace)
  target_link_libraries(${target} PUBLIC ${A_USES} ${A_LINK} PRIVATE ${A_PRIVATE_LINK})
  set_target_properties(${target} PROPERTIES PP_LAYER ${A_LAYER} PP_LAYER_CLOSURE "${allowed}")

  # The include check, run again whenever one of the files changes.
  set(files)
  foreach(src IN LISTS A_SOURCES)
    get_filename_component(abs ${src} ABSOLUTE)
    list(APPEND files ${abs})
  endforeach()
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${target}.layers.stamp)
  string(REPLACE ";" "," allowed_arg "${allowed}")
  string(REPLACE ";" "," layers_arg "${PP_LAYERS}")
  string(REPLACE ";" "," files_arg "${files}")
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} -DTARGET=${target} -DLAYER=${A_LAYER} -DALLOWED=${allowed_arg}
            -DLAYERS=${layers_arg} -DFILES=${files_arg} -DSTAMP=${stamp}
            -P ${PP_LAYER_CHECK_SCRIPT}
    DEPENDS ${files} ${PP_LAYER_CHECK_SCRIPT}
    COMMENT "layers: ${target}"
    VERBATIM)
  add_custom_target(${target}_layers DEPENDS ${stamp})
  add_dependencies(${target} ${target}_layers)
endfunction()

# The ABI headers as the lowest layer.
add_library(protoport_abi INTERFACE)
target_include_directories(protoport_abi INTERFACE ${PROJECT_SOURCE_DIR}/include)
set_target_properties(protoport_abi PROPERTIES PP_LAYER protoport PP_LAYER_CLOSURE protoport)
