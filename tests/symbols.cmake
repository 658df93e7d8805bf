# Symbol layer tests (issue 18). Fixtures are built at test time from fixtures/symbols/: the
# Rust program of the issue with Debian's rustc (.ci/setup --test installs it) and the
# analogous C program for ELF, PE and Mach-O. Every number is checked against nm, llvm-nm-14,
# readelf or llvm-readobj-14, and against the sources.
set(SEGSCAN_SYM_FIXTURES ${SEGSCAN_FIXTURE_OUT}/symbols)
# Debian's rustc (/usr/bin) first: a rustup toolchain on PATH is not what CI has.
find_program(SEGSCAN_RUSTC rustc HINTS /usr/bin)
if(SEGSCAN_RUSTC)
  add_test(NAME symbols_fixtures
    COMMAND ${CMAKE_COMMAND} -E env RUSTC=${SEGSCAN_RUSTC}
            bash ${SEGSCAN_FIXTURE_SRC}/symbols/build.sh ${SEGSCAN_SYM_FIXTURES})
  set_tests_properties(symbols_fixtures PROPERTIES FIXTURES_SETUP symbols TIMEOUT 300)
else()
  segscan_missing_tool_test(symbols_fixtures "rustc (Debian package rustc)")
endif()

add_test(NAME symbols_where
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/symbols_where.py $<TARGET_FILE:segscan>
          ${SEGSCAN_SYM_FIXTURES} ${CMAKE_SOURCE_DIR}/docs/segscan-where.schema.json)
set_tests_properties(symbols_where PROPERTIES FIXTURES_REQUIRED symbols TIMEOUT 120)

# nm as the oracle on 200+ of the machine's ELF files (C, C++, Rust), llvm-nm-14 on the PE and
# Mach-O fixtures, and the add-up rule (symbol rows + no-symbol rows == section size, VM and
# file) on every fixture of these sets.
add_test(NAME symbols_nm
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/symbols_nm.py $<TARGET_FILE:segscan>
          ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json ${SEGSCAN_SYM_FIXTURES}
          ${SEGSCAN_FIXTURE_OUT}/elf ${SEGSCAN_FIXTURE_OUT}/pe ${SEGSCAN_FIXTURE_OUT}/macho
          ${SEGSCAN_FIXTURE_OUT}/analysis)
set_tests_properties(symbols_nm PROPERTIES FIXTURES_REQUIRED "symbols;elf;pe;macho;analysis"
                     TIMEOUT 900)

# The -d tables of the text report: totals against stat, section rows against readelf,
# symbol rows against the sources, ordering, -n, -s vm, usage errors.
add_test(NAME symbols_datasrc
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/symbols_datasrc.py $<TARGET_FILE:segscan>
          ${SEGSCAN_SYM_FIXTURES})
set_tests_properties(symbols_datasrc PROPERTIES FIXTURES_REQUIRED symbols TIMEOUT 120)

# segscan diff -d symbols: grew/shrank/appeared/disappeared against nm -S of two builds, in
# JSON (diff schema), text, CSV and Markdown.
add_test(NAME symbols_diff
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/symbols_diff.py $<TARGET_FILE:segscan>
          ${SEGSCAN_SYM_FIXTURES} ${CMAKE_SOURCE_DIR}/docs/segscan-diff.schema.json)
set_tests_properties(symbols_diff PROPERTIES FIXTURES_REQUIRED symbols TIMEOUT 120)

# Budget rules on named objects (symbols: GLOB) against nm -S sums, with and without baseline.
add_test(NAME symbols_budget
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/symbols_budget.py $<TARGET_FILE:segscan>
          ${SEGSCAN_SYM_FIXTURES} ${CMAKE_SOURCE_DIR}/docs/segscan-check.schema.json)
set_tests_properties(symbols_budget PROPERTIES FIXTURES_REQUIRED symbols TIMEOUT 120)
