# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# pp_bpf_skeleton(NAME SOURCE): compile SOURCE for the BPF target and generate NAME.skel.h with
# bpftool, exposed as the INTERFACE library NAME_skel (include dir + libbpf link).
# -mcpu=v3 (kernel >= 5.12): atomic fetch-add, whose result the sampler uses to cap samples per
# direction across CPUs; clang rejects a used __sync_fetch_and_add result for v1/v2.
find_program(BPF_CLANG NAMES clang clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin REQUIRED)

set(PP_BPF_GEN_DIR ${CMAKE_BINARY_DIR}/bpf-gen)
file(MAKE_DIRECTORY ${PP_BPF_GEN_DIR})

function(pp_bpf_skeleton name src)
  set(obj ${PP_BPF_GEN_DIR}/${name}.bpf.o)
  set(skel ${PP_BPF_GEN_DIR}/${name}.skel.h)
  get_filename_component(abs_src ${src} ABSOLUTE)
  file(GLOB pp_bpf_headers ${CMAKE_SOURCE_DIR}/bpf/*.h ${CMAKE_SOURCE_DIR}/include/protoport/*.h)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror
            -I${CMAKE_SOURCE_DIR} -I${CMAKE_SOURCE_DIR}/include -I${CMAKE_SOURCE_DIR}/bpf
            -c ${abs_src} -o ${obj}
    DEPENDS ${abs_src} ${pp_bpf_headers} ${CMAKE_SOURCE_DIR}/vmlinux.h
    COMMENT "BPF ${name}.bpf.c"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skel})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${PP_BPF_GEN_DIR})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF protoport_abi)
endfunction()
