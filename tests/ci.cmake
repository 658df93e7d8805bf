# segscan check / segscan diff (issue 6). Fixtures are built at test time from fixtures/ci/
# (one program built five ways, an archive built twice); tests/ci_test.py compares every number
# with readelf, size and zlib.
set(SEGSCAN_CI_FIXTURES ${SEGSCAN_FIXTURE_OUT}/ci)
set(SEGSCAN_CI_SRC ${SEGSCAN_FIXTURE_SRC}/ci)

add_test(NAME ci_fixtures
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/ci_test.py build --out ${SEGSCAN_CI_FIXTURES}
          --src ${SEGSCAN_CI_SRC})
set_tests_properties(ci_fixtures PROPERTIES FIXTURES_SETUP ci)

foreach(group diff check errors junit sanity docs mutate unmatched)
  add_test(NAME ci_${group}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/ci_test.py ${group} --segscan $<TARGET_FILE:segscan>
            --out ${SEGSCAN_CI_FIXTURES} --src ${SEGSCAN_CI_SRC})
  set_tests_properties(ci_${group} PROPERTIES FIXTURES_REQUIRED ci)
endforeach()

# Universal binaries, slice by slice: needs the Mach-O fixtures (tests/macho.cmake) and
# llvm-lipo-14 to make a universal file whose x86_64 slice lost PIE.
find_program(SEGSCAN_LIPO llvm-lipo-14)
if(TEST macho_fixtures_build AND SEGSCAN_LIPO)
  add_test(NAME ci_universal
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/ci_test.py universal --segscan $<TARGET_FILE:segscan>
            --out ${SEGSCAN_CI_FIXTURES} --src ${SEGSCAN_CI_SRC} --macho ${SEGSCAN_FIXTURE_OUT}/macho
            --lipo ${SEGSCAN_LIPO})
  set_tests_properties(ci_universal PROPERTIES FIXTURES_REQUIRED "ci;macho")
else()
  segscan_missing_tool_test(ci_universal "llvm-lipo-14 (llvm-14) or the Mach-O fixtures")
endif()

# Golden outputs of every format on yaml2obj fixtures (deterministic bytes).
find_program(SEGSCAN_YAML2OBJ yaml2obj-14)
if(SEGSCAN_YAML2OBJ)
  add_test(NAME ci_golden
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/ci_test.py golden --segscan $<TARGET_FILE:segscan>
            --out ${SEGSCAN_CI_FIXTURES} --src ${SEGSCAN_CI_SRC} --golden ${SEGSCAN_TESTS}/golden/ci)
  set_tests_properties(ci_golden PROPERTIES FIXTURES_REQUIRED ci)
else()
  segscan_missing_tool_test(ci_golden "yaml2obj-14 (llvm-14)")
endif()

# The budget-file parser as a fuzz target (tests/fuzz.cmake's segscan_fuzz_target), replayed
# here over the committed budget files as well.
if(COMMAND segscan_fuzz_target)
  segscan_fuzz_target(budget ${SEGSCAN_TESTS}/ci_fuzz_budget.c)
  set(ci_fuzz_targets replay_budget)
  if(SEGSCAN_FUZZ)
    list(APPEND ci_fuzz_targets fuzz_budget)
  endif()
  foreach(t IN LISTS ci_fuzz_targets)
    target_include_directories(${t} PRIVATE ${CMAKE_SOURCE_DIR}/cmd)
    target_link_libraries(${t} PRIVATE PkgConfig::YAML_0_1 PkgConfig::ZLIB)
  endforeach()
  add_test(NAME ci_budget_replay COMMAND replay_budget ${SEGSCAN_CI_SRC})
endif()

# diff -o FMT=FILE, a stderr message quoting hostile text, and the one format table: each command
# accepts exactly the formats of the README's matrix and lists them when refusing one (the report's formats and -o:
# formats.* in cli.cmake).
add_test(NAME formats.diff-outputs
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/formats_check.py $<TARGET_FILE:segscan>
          ${CMAKE_SOURCE_DIR} ${SEGSCAN_FIXTURE_OUT})
set_tests_properties(formats.diff-outputs PROPERTIES FIXTURES_REQUIRED ci)
