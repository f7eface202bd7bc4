# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# The real pipeline (pp_pipeline) driven with crafted samples: verdicts, rows, files, stats.
pp_unit_test(test_pipeline SOURCES test_pipeline.cpp LIBS pp_pipeline nlohmann_json::nlohmann_json)
