# tests/bench.sh --smoke (issue 24): every case of the benchmark script once, on small inputs, in
# seconds, so that the script the performance figures come from cannot rot. It times nothing
# against a bound (the full run is manual); it fails when a case does not produce its rows.
add_test(NAME bench.smoke
  COMMAND bash ${SEGSCAN_TESTS}/bench.sh --smoke $<TARGET_FILE:segscan>
          ${CMAKE_CURRENT_BINARY_DIR}/bench-smoke)
set_tests_properties(bench.smoke PROPERTIES TIMEOUT 300 RUN_SERIAL TRUE)
