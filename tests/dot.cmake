# Memory-layout diagram tests (issue 5): --format dot|svg|png. Fixtures are yaml2obj-14 files
# built at test time from fixtures/dot/; goldens live in tests/golden/dot/. Regenerate the
# goldens after an intended change with:
#   SEGSCAN_UPDATE_GOLDEN=1 ctest --test-dir BUILD -R dot_golden
# Every DOT these tests produce must render with `dot -Tsvg` with an empty stderr.
set(SEGSCAN_DOT_FIXTURES ${SEGSCAN_FIXTURE_OUT}/dot)

add_test(NAME dot_fixtures
  COMMAND bash ${SEGSCAN_FIXTURE_SRC}/dot/build.sh ${SEGSCAN_DOT_FIXTURES})
set_tests_properties(dot_fixtures PROPERTIES FIXTURES_SETUP dot)

foreach(check golden render hostile determinism compact formats nodot large mutate)
  add_test(NAME dot_${check}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/dot_test.py ${check}
            --segscan $<TARGET_FILE:segscan> --fixtures ${SEGSCAN_DOT_FIXTURES}
            --golden ${SEGSCAN_TESTS}/golden/dot)
  set_tests_properties(dot_${check} PROPERTIES FIXTURES_REQUIRED dot TIMEOUT 300)
endforeach()
# SEGSCAN_UPDATE_GOLDEN passes through the environment to the golden check.
