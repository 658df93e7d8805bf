# Mach-O and universal-binary tests (formats/macho*.c, formats/fat.c).
# Fixtures are built from fixtures/macho at test time; real third-party files come from
# golang's source package (Debian golang-1.19-src, installed by .ci/setup; see
# tests/macho_golang.py): without it the extraction fails.
add_executable(macho_dump ${CMAKE_CURRENT_SOURCE_DIR}/macho_dump.c)
target_link_libraries(macho_dump PRIVATE segscan_formats segscan_core)

set(SEGSCAN_MACHO_OUT ${SEGSCAN_FIXTURE_OUT}/macho)
set(SEGSCAN_MACHO_GO_ROOTS /usr/share/go-1.19 /usr/lib/go-1.19 /usr/share/go /usr/lib/go)

# LIEF (tests/lief_dump, defined in pe.cmake when liblief-dev is installed) is a second oracle.
set(macho_lief_args)
if(TARGET lief_dump)
  set(macho_lief_args --lief $<TARGET_FILE:lief_dump>)
endif()

add_test(NAME macho_fixtures_build
  COMMAND ${CMAKE_COMMAND} -E env PYTHON=${SEGSCAN_PYTHON}
          bash ${SEGSCAN_FIXTURE_SRC}/macho/build.sh ${SEGSCAN_MACHO_OUT})
set_tests_properties(macho_fixtures_build PROPERTIES FIXTURES_SETUP macho)

add_test(NAME macho_crosscheck_fixtures
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/macho_crosscheck.py --facts
          --segscan $<TARGET_FILE:segscan> --dump $<TARGET_FILE:macho_dump> ${macho_lief_args}
          ${SEGSCAN_MACHO_OUT})

add_test(NAME macho_golang_extract
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/macho_golang.py ${SEGSCAN_MACHO_OUT}/golang
          ${SEGSCAN_MACHO_GO_ROOTS})
# Ordered with DEPENDS, not FIXTURES_REQUIRED: a failed extraction must still let the
# cross-check run and report its own failure (no inputs found).
set_tests_properties(macho_golang_extract PROPERTIES FIXTURES_REQUIRED macho)

add_test(NAME macho_crosscheck_golang
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/macho_crosscheck.py
          --segscan $<TARGET_FILE:segscan> --dump $<TARGET_FILE:macho_dump> ${macho_lief_args}
          ${SEGSCAN_MACHO_OUT}/golang)
set_tests_properties(macho_crosscheck_golang PROPERTIES DEPENDS macho_golang_extract)

add_test(NAME macho_broken
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/macho_broken.py $<TARGET_FILE:segscan>
          ${SEGSCAN_MACHO_OUT}/broken)

add_test(NAME macho_mutate
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/macho_mutate.py $<TARGET_FILE:segscan>
          --dump $<TARGET_FILE:macho_dump>
          ${SEGSCAN_MACHO_OUT} ${SEGSCAN_MACHO_OUT}/harden ${SEGSCAN_MACHO_OUT}/golang)

set_tests_properties(macho_crosscheck_fixtures macho_broken macho_mutate PROPERTIES
  FIXTURES_REQUIRED macho)
set_tests_properties(macho_mutate PROPERTIES TIMEOUT 600 DEPENDS macho_golang_extract)

# Hardening checks (issue 20): signed / ad-hoc / unsigned, hardened runtime, __RESTRICT,
# encryption, arm64e and PIE against llvm-objdump-14 --private-headers, the build's switches and
# a superblob reader of the test's own; real files from golang; damaged signatures.
add_test(NAME macho_harden
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/harden_macho.py --segscan $<TARGET_FILE:segscan>
          --schema ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json
          --fixtures ${SEGSCAN_MACHO_OUT} --real ${SEGSCAN_MACHO_OUT}/golang)
set_tests_properties(macho_harden PROPERTIES FIXTURES_REQUIRED macho DEPENDS macho_golang_extract)

# check's require-<key> rules and diff's <key>-lost/-gained for the PE and Mach-O checks, on the
# fixtures built with and without each protection (tests/harden_policy.py).
add_test(NAME harden_policy
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/harden_policy.py --segscan $<TARGET_FILE:segscan>
          --pe ${SEGSCAN_FIXTURE_OUT}/pe --macho ${SEGSCAN_MACHO_OUT})
set_tests_properties(harden_policy PROPERTIES FIXTURES_REQUIRED "pe;macho")
