# Honest output under hostile names and failures (issue 17): each group of tests/honest.py
# generates its inputs under the build tree and checks exit codes, valid output, no raw control
# characters, and that an intact input of the same run is still reported in full (readelf, or
# the PE section table read by the script itself).
foreach(g IN ITEMS write walk budget sums pe parts)
  add_test(NAME honest.${g}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/honest.py ${g} --segscan $<TARGET_FILE:segscan>
            --fixtures ${SEGSCAN_FIXTURE_OUT}/elf --pe ${SEGSCAN_FIXTURE_OUT}/pe
            --macho ${SEGSCAN_FIXTURE_OUT}/macho
            --work ${CMAKE_CURRENT_BINARY_DIR}/honest --src ${SEGSCAN_FIXTURE_SRC})
  set_tests_properties(honest.${g} PROPERTIES FIXTURES_REQUIRED "elf;pe;macho" TIMEOUT 300)
endforeach()
