# Cross-check on the machine's own binaries (issue 2): at least 200 ELF files from /usr/bin and
# /usr/lib against readelf -S/-l -W and size -B, plus file-map sums.
add_test(NAME system.crosscheck
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/system_crosscheck.py $<TARGET_FILE:segscan> --min 200)
set_tests_properties(system.crosscheck PROPERTIES TIMEOUT 600)
