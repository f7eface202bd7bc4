# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
foreach(part reader dns http tls smtp others text tunnels services flow plausible alloc)
  pp_unit_test(test_fp_${part} SOURCES test_fp_${part}.cpp LIBS pp_fingerprint)
endforeach()
