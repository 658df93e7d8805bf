# The literals analysis (issue 19): read-only objects stored more than once, checked against an
# independent byte search of the binaries (tests/literals_oracle.py). Fixtures are built at test
# time from fixtures/literals/ with Debian's rustc (16 codegen units; two crates without and with
# fat LTO; the seed example) and Debian's golang-go (offline, caches inside the build tree).
set(SEGSCAN_LIT_FIXTURES ${SEGSCAN_FIXTURE_OUT}/literals)
find_program(SEGSCAN_RUSTC rustc HINTS /usr/bin)
find_program(SEGSCAN_GO go HINTS /usr/bin /usr/lib/go/bin)
if(SEGSCAN_RUSTC)
  add_test(NAME literals.fixtures-rust
    COMMAND ${CMAKE_COMMAND} -E env RUSTC=${SEGSCAN_RUSTC}
            bash ${SEGSCAN_FIXTURE_SRC}/literals/build.sh ${SEGSCAN_LIT_FIXTURES} rust)
  set_tests_properties(literals.fixtures-rust PROPERTIES FIXTURES_SETUP literals_rust TIMEOUT 600)
else()
  segscan_missing_tool_test(literals.fixtures-rust "rustc (Debian package rustc)")
endif()
if(SEGSCAN_GO)
  add_test(NAME literals.fixtures-go
    COMMAND ${CMAKE_COMMAND} -E env GO=${SEGSCAN_GO}
            bash ${SEGSCAN_FIXTURE_SRC}/literals/build.sh ${SEGSCAN_LIT_FIXTURES} go)
  set_tests_properties(literals.fixtures-go PROPERTIES FIXTURES_SETUP literals_go TIMEOUT 600)
else()
  segscan_missing_tool_test(literals.fixtures-go "go (Debian package golang-go)")
endif()

# Rust: 3 copies of a 53-byte literal and of a [u32; 32] table in 16 codegen units; a literal, a
# const &str, an expect() message and a [u32; 32] table shared by an rlib and a bin, 2 copies
# each without LTO and 1 with -C lto=fat; the seed example stored once. segscan's rows equal the
# byte search's copies, offsets and bytes_wasted; objects stored once have no row.
add_test(NAME literals.rust
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/literals_oracle.py $<TARGET_FILE:segscan>
          ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json
          ${SEGSCAN_FIXTURE_SRC}/literals ${SEGSCAN_LIT_FIXTURES} rust)
set_tests_properties(literals.rust PROPERTIES FIXTURES_REQUIRED literals_rust TIMEOUT 300)

# Go: the linker stores each string once; no literal of the sources is reported as a duplicate
# and every reported group is real (same bytes at each offset, found by the byte search).
add_test(NAME literals.go
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/literals_oracle.py $<TARGET_FILE:segscan>
          ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json
          ${SEGSCAN_FIXTURE_SRC}/literals ${SEGSCAN_LIT_FIXTURES} go)
set_tests_properties(literals.go PROPERTIES FIXTURES_REQUIRED literals_go TIMEOUT 300)

# libLLVM-15 (Debian package libllvm15): the top 20 groups re-counted by the byte search (at
# least the copies segscan reports, the same bytes at every offset), none all zero or periodic.
add_test(NAME literals.libllvm15
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/literals_oracle.py $<TARGET_FILE:segscan>
          ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json
          ${SEGSCAN_FIXTURE_SRC}/literals ${SEGSCAN_LIT_FIXTURES} llvm
          /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1)
set_tests_properties(literals.libllvm15 PROPERTIES TIMEOUT 300)

# The analyses read the literal sections of a mapped file from a copy made by pread
# (ss_image_copy_literals), of a small file from its buffer: the same binaries, alone (a buffer)
# and as members of an archive padded past 1 MiB (mapped, at an offset in the file), give equal
# "strings" and "literals" objects, with duplicates of both kinds among them.
add_test(NAME literals.copy-vs-buffer
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/lit_copy_check.py $<TARGET_FILE:segscan>
          ${CMAKE_CURRENT_BINARY_DIR}/lit-copy ${SEGSCAN_LIT_FIXTURES}/nolto/litbin
          ${SEGSCAN_FIXTURE_OUT}/analysis/str_lld_O0)
set_tests_properties(literals.copy-vs-buffer PROPERTIES FIXTURES_REQUIRED "literals_rust;analysis"
                     TIMEOUT 120)
