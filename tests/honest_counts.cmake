# Issue 17, class 9: the counts of the text report against readelf and the JSON file map
# (tests/honest_counts.py); the W+X input is generated with yaml2obj-14.
add_test(NAME honest.counts
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/honest_counts.py --segscan $<TARGET_FILE:segscan>
          --fixtures ${SEGSCAN_FIXTURE_OUT}/elf --work ${CMAKE_CURRENT_BINARY_DIR}/honest_counts)
set_tests_properties(honest.counts PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 120)
