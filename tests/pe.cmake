# PE/COFF reader tests (issue 3). Fixtures are built at test time from fixtures/pe/ with
# clang-14 + lld-link + yaml2obj-14; real third-party PE files from Debian packages are
# cross-checked when installed (see tests/pe_crosscheck.py for the list).
set(SEGSCAN_PE_FIXTURES ${SEGSCAN_FIXTURE_OUT}/pe)

add_test(NAME pe_fixtures
  COMMAND bash ${SEGSCAN_FIXTURE_SRC}/pe/build.sh ${SEGSCAN_PE_FIXTURES})
set_tests_properties(pe_fixtures PROPERTIES FIXTURES_SETUP pe)

# LIEF (Debian's liblief-dev 0.9) is an independent oracle for the cross-check. Its helper is
# the only C++ in the tree, so C++ is enabled here and nowhere else; without LIEF the
# cross-check still runs against llvm-readobj, and the test pe_lief_oracle fails naming it.
find_path(SEGSCAN_LIEF_INCLUDE LIEF/PE.h)
find_library(SEGSCAN_LIEF_LIB LIEF)
set(pe_lief_args)
if(SEGSCAN_LIEF_INCLUDE AND SEGSCAN_LIEF_LIB)
  enable_language(CXX)
  add_executable(lief_dump ${CMAKE_CURRENT_SOURCE_DIR}/lief_dump.cpp)
  target_include_directories(lief_dump SYSTEM PRIVATE ${SEGSCAN_LIEF_INCLUDE})
  target_link_libraries(lief_dump PRIVATE ${SEGSCAN_LIEF_LIB})
  set_target_properties(lief_dump PROPERTIES CXX_STANDARD 14 CXX_STANDARD_REQUIRED ON
    # The project's flags include C-only warnings (-Wstrict-prototypes ...) and, in sanitizer
    # builds, ASan: LIEF itself leaks and is not what is under test, so the helper gets plain
    # C++ warnings and no sanitizer.
    COMPILE_OPTIONS "-Wall;-Wextra;$<$<BOOL:${SEGSCAN_WERROR}>:-Werror>"
    LINK_OPTIONS "")
  set(pe_lief_args --lief $<TARGET_FILE:lief_dump>)
else()
  segscan_missing_tool_test(pe_lief_oracle "LIEF (liblief-dev), the second PE/Mach-O oracle,")
endif()

add_test(NAME pe_crosscheck
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/pe_crosscheck.py --segscan $<TARGET_FILE:segscan>
          --fixtures ${SEGSCAN_PE_FIXTURES} ${pe_lief_args}
          --known ${SEGSCAN_TESTS}/lief_known_disagreements.txt)
add_test(NAME pe_broken
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/pe_broken.py --segscan $<TARGET_FILE:segscan>
          --fixtures ${SEGSCAN_PE_FIXTURES})
add_test(NAME pe_mutate
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/pe_mutate.py --segscan $<TARGET_FILE:segscan>
          --fixtures ${SEGSCAN_PE_FIXTURES})
set_tests_properties(pe_crosscheck pe_broken pe_mutate PROPERTIES FIXTURES_REQUIRED pe)
set_tests_properties(pe_mutate PROPERTIES TIMEOUT 600)

# Symbols, relocation targets and props, which the JSON report does not show, against
# llvm-readobj-14 --symbols / --relocations / --coff-basereloc.
add_executable(pe_model_dump ${CMAKE_CURRENT_SOURCE_DIR}/pe_model_dump.c)
target_link_libraries(pe_model_dump PRIVATE segscan_formats segscan_core)
add_test(NAME pe_model
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/pe_model.py --dump $<TARGET_FILE:pe_model_dump>
          --fixtures ${SEGSCAN_PE_FIXTURES})
set_tests_properties(pe_model PROPERTIES FIXTURES_REQUIRED pe)

# Hardening checks (issue 20): fixtures built with and without each mitigation, against
# llvm-readobj-14 --coff-load-config and the build's own switches; real images; damaged copies.
add_test(NAME pe_harden
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/harden_pe.py --segscan $<TARGET_FILE:segscan>
          --schema ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json
          --fixtures ${SEGSCAN_PE_FIXTURES})
set_tests_properties(pe_harden PROPERTIES FIXTURES_REQUIRED pe)
