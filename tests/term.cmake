# The text report on a terminal (issue 23): colour, width and the member summary, with segscan's
# standard output on a pseudo-terminal (tests/term_test.py). Fixtures: yaml2obj-14 files in
# fixtures/term, built by the test into its own work folder.
find_program(SEGSCAN_TERM_YAML2OBJ yaml2obj-14 REQUIRED)
find_program(SEGSCAN_TERM_AR ar REQUIRED)
find_program(SEGSCAN_TERM_READELF readelf REQUIRED)
find_file(SEGSCAN_TERM_LIBC_A libc.a PATHS /usr/lib/x86_64-linux-gnu /usr/lib NO_DEFAULT_PATH
          REQUIRED)
set(term_test ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/term_test.py)
foreach(group golden plain members)
  add_test(NAME term.${group}
    COMMAND ${term_test} ${group} --segscan $<TARGET_FILE:segscan>
            --fixtures ${SEGSCAN_FIXTURE_SRC}/term --golden ${SEGSCAN_TESTS}/golden/term
            --work ${CMAKE_BINARY_DIR}/term-${group} --archive ${SEGSCAN_TERM_LIBC_A})
  set_tests_properties(term.${group} PROPERTIES TIMEOUT 300)
endforeach()
# Regenerate tests/golden/term after an intended change of the terminal output (review the diff).
add_custom_target(update-term-golden
  COMMAND ${term_test} golden --segscan $<TARGET_FILE:segscan> --fixtures ${SEGSCAN_FIXTURE_SRC}/term
          --golden ${SEGSCAN_TESTS}/golden/term --work ${CMAKE_BINARY_DIR}/term-golden --update
  DEPENDS segscan)
