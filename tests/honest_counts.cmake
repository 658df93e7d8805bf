# Issue 17, classes 9 and 4 (tests/honest_counts.py): the counts of the text report against
# readelf and the JSON file map; diff rows keyed by (name, rank), on yaml2obj-14 inputs; class 5:
# the diagram of libc.a is bounded and renders.
foreach(g IN ITEMS counts diffkey bigdot)
  add_test(NAME honest.${g}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/honest_counts.py ${g} --segscan $<TARGET_FILE:segscan>
            --fixtures ${SEGSCAN_FIXTURE_OUT}/elf --work ${CMAKE_CURRENT_BINARY_DIR}/honest_${g})
  set_tests_properties(honest.${g} PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 120)
endforeach()
