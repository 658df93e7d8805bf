# `segscan 'FILE(MEMBER)'` selects one archive member or universal slice (issue 23): checked
# against ar t / ar x / size -B and llvm-lipo -archs / -thin, on the fixtures and libc.a.
find_program(SEGSCAN_MEMBER_LIPO llvm-lipo-14 REQUIRED)
find_file(SEGSCAN_LIBC_A libc.a PATHS /usr/lib/x86_64-linux-gnu /usr/lib NO_DEFAULT_PATH REQUIRED)
add_test(NAME member.select
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/member_select.py $<TARGET_FILE:segscan>
          --elf ${SEGSCAN_FIXTURE_OUT}/elf --macho ${SEGSCAN_FIXTURE_OUT}/macho
          --lipo ${SEGSCAN_MEMBER_LIPO} --archive ${SEGSCAN_LIBC_A})
set_tests_properties(member.select PROPERTIES FIXTURES_REQUIRED "elf;macho" TIMEOUT 300)
