# Compile units, crates and source files from DWARF, and separate debug files (issue 22).
# Fixtures are built at test time from fixtures/debuginfo/ (gcc, clang-14, objcopy, strip,
# Debian's rustc); every number is checked against llvm-dwarfdump-14 or readelf -wL.
set(SEGSCAN_DBG_FIXTURES ${SEGSCAN_FIXTURE_OUT}/debuginfo)
find_program(SEGSCAN_RUSTC rustc HINTS /usr/bin)
if(SEGSCAN_RUSTC)
  add_test(NAME debuginfo.fixtures
    COMMAND ${CMAKE_COMMAND} -E env RUSTC=${SEGSCAN_RUSTC}
            bash ${SEGSCAN_FIXTURE_SRC}/debuginfo/build.sh ${SEGSCAN_DBG_FIXTURES})
  set_tests_properties(debuginfo.fixtures PROPERTIES FIXTURES_SETUP debuginfo TIMEOUT 300)
else()
  segscan_missing_tool_test(debuginfo.fixtures "rustc (Debian package rustc)")
endif()
foreach(mode IN ITEMS units inputfiles debugfile diffbudget)
  add_test(NAME debuginfo.${mode}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/debuginfo_units.py $<TARGET_FILE:segscan>
            ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json ${SEGSCAN_DBG_FIXTURES} ${mode})
  set_tests_properties(debuginfo.${mode} PROPERTIES FIXTURES_REQUIRED debuginfo TIMEOUT 300)
endforeach()

# Hostile DWARF made with yaml2obj-14: a lying unit length, 2,000 units sharing one 500-entry
# range list, a unit DIE that is its own DW_AT_specification/abstract_origin, a range covering
# the address space: one clear warning where due, rows that add up, no hang.
add_test(NAME debuginfo.hostile
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/debuginfo_hostile.py $<TARGET_FILE:segscan>
          ${SEGSCAN_FIXTURE_OUT}/debuginfo-hostile)
set_tests_properties(debuginfo.hostile PROPERTIES TIMEOUT 300)

# The machine's libc.so.6 and its debug file from Debian's libc6-dbg, found by build-id: every
# unit (1,695 with code) against llvm-dwarfdump-14 on the debug file.
add_test(NAME debuginfo.system
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/debuginfo_units.py $<TARGET_FILE:segscan>
          ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json ${SEGSCAN_DBG_FIXTURES} system)
set_tests_properties(debuginfo.system PROPERTIES TIMEOUT 300)
