# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Loader tests that need no root (the kernel-facing ones are in tests/bpf, label bpf).
pp_unit_test(test_loader_settings SOURCES test_loader_settings.cpp LIBS pp_loader)
