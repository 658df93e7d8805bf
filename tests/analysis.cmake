# Analyzer tests (issue 4): BSS vs DATA, string literals, permissions, findings. Fixtures are
# built at test time from fixtures/analysis/ (build.py, which records in a manifest what it
# built and which fixtures a missing tool skipped); every check compares exact numbers with
# readelf-derived truth (tests/analysis_oracle.py) and with the facts of the sources.
set(SEGSCAN_AN_FIXTURES ${SEGSCAN_FIXTURE_OUT}/analysis)

add_test(NAME analysis_fixtures
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_FIXTURE_SRC}/analysis/build.py ${SEGSCAN_AN_FIXTURES})
set_tests_properties(analysis_fixtures PROPERTIES FIXTURES_SETUP analysis TIMEOUT 300)

foreach(group bss strings archive perms rust pe macho cli)
  add_test(NAME analysis_${group}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/analysis_check.py $<TARGET_FILE:segscan>
            ${SEGSCAN_AN_FIXTURES} ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json ${group})
  set_tests_properties(analysis_${group} PROPERTIES FIXTURES_REQUIRED analysis TIMEOUT 120)
endforeach()

# The string analysis against strings(1) over the same section bytes (objcopy -O binary):
# counts and duplicates agree up to UTF-8, which strings(1) does not take as text; libLLVM-15's
# top 100 duplicates hold no control byte but tab (issue 19).
add_test(NAME analysis.strings-vs-strings1
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/strings_oracle.py $<TARGET_FILE:segscan>
          ${CMAKE_CURRENT_BINARY_DIR}/strings_oracle ${SEGSCAN_AN_FIXTURES}
          /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1)
set_tests_properties(analysis.strings-vs-strings1 PROPERTIES FIXTURES_REQUIRED analysis TIMEOUT 300)

# Address loads found by byte patterns (formats/addrscan.c) against llvm-objdump-14's
# disassembly: precision and recall >= 99% on PIE x86-64 binaries of the machine (segscan, GNU
# ld, cmake) and on AArch64 and x86-64 fixtures built by clang + lld (issue 19, item 2).
add_test(NAME analysis.addrscan-vs-objdump
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/addrscan_check.py $<TARGET_FILE:addrscan_dump>
          ${SEGSCAN_AN_FIXTURES}/addr_a64 ${SEGSCAN_AN_FIXTURES}/addr_x64 $<TARGET_FILE:segscan>
          /usr/bin/x86_64-linux-gnu-ld.bfd /usr/bin/cmake)
set_tests_properties(analysis.addrscan-vs-objdump PROPERTIES FIXTURES_REQUIRED analysis TIMEOUT 300)

# References into read-only data (formats/refs.c: relocation targets, slices) against readelf -rW
# and the file's words: the fixture fixtures/refs/slices.c built four ways (gcc PIE, clang + lld
# with RELR, AArch64 shared objects with RELA and RELR), /bin/ls and libLLVM-15 (issue 19, item 2).
add_test(NAME analysis.refs-vs-readelf
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/refs_check.py $<TARGET_FILE:refs_dump>
          --build ${SEGSCAN_FIXTURE_SRC}/refs/slices.c ${CMAKE_CURRENT_BINARY_DIR}/refs
          /bin/ls /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1)
set_tests_properties(analysis.refs-vs-readelf PROPERTIES TIMEOUT 300)

# Near-linear string analysis: a synthetic object with a few million strings (generated at
# test time) must finish in seconds; the time is printed, the TIMEOUT is the only limit.
if(SEGSCAN_SANITIZE)
  set(SEGSCAN_SCALE_FLAGS --sanitized)
endif()
add_test(NAME analysis_scale
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/analysis_scale.py $<TARGET_FILE:segscan>
          ${SEGSCAN_AN_FIXTURES}/scale ${SEGSCAN_SCALE_FLAGS})
set_tests_properties(analysis_scale PROPERTIES TIMEOUT 240)

# Golden files of the analysis emitters (text blocks and JSON objects) for a hand-made object;
# regenerate with: python3 tests/analysis_golden.py build/segscan /tmp/golden --update
add_test(NAME analysis_golden
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/analysis_golden.py $<TARGET_FILE:segscan>
          ${SEGSCAN_AN_FIXTURES}/golden)

# References from PE base relocations (formats/pe_coff.c) against llvm-readobj-14 --coff-basereloc
# and the pointers read from the file: fixtures/refs/slices.c linked by lld-link for x86-64,
# ARM64 and i386 (its three slices found with their lengths; x86-64 code loads against
# llvm-objdump-14).
add_test(NAME refs.pe-basereloc
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/refs_pe_check.py $<TARGET_FILE:refs_dump>
          ${SEGSCAN_FIXTURE_SRC}/refs/slices.c ${CMAKE_CURRENT_BINARY_DIR}/refs-pe)
set_tests_properties(refs.pe-basereloc PROPERTIES TIMEOUT 300)

# References from Mach-O rebase opcodes (formats/macho_fixups.c) against llvm-objdump-14 --macho
# --rebase and the words read from the file: fixtures/refs/slices.c linked by ld64.lld-14 (which
# writes rebase opcodes, never chained fixups) for x86_64 and arm64.
add_test(NAME refs.macho-rebase
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/refs_macho_check.py $<TARGET_FILE:refs_dump>
          ${SEGSCAN_FIXTURE_SRC}/refs/slices.c ${SEGSCAN_FIXTURE_SRC}/macho/libSystem.tbd
          ${CMAKE_CURRENT_BINARY_DIR}/refs-macho)
set_tests_properties(refs.macho-rebase PROPERTIES TIMEOUT 300)

# References from Mach-O chained fixups: arm64 images laid out by the test (ld64.lld-14 writes
# no chained fixups, llvm-objdump-14 prints none) in DYLD_CHAINED_PTR_64_OFFSET, _64 and _ARM64E
# (an authenticated rebase and a bind in the chain), holding slices.c's slices and pointers.
add_test(NAME refs.macho-chained
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/refs_chained.py $<TARGET_FILE:refs_dump>
          ${SEGSCAN_FIXTURE_SRC}/refs/slices.c ${CMAKE_CURRENT_BINARY_DIR}/refs-chained)

# Rust &str literals in statics as (pointer, length) pairs: fixtures/refs/slices.rs built by
# Debian's rustc, each literal of the source found as a pair with its length.
add_test(NAME refs.rust-slices
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/refs_rust_check.py $<TARGET_FILE:refs_dump>
          ${SEGSCAN_FIXTURE_SRC}/refs/slices.rs ${CMAKE_CURRENT_BINARY_DIR}/refs-rust)
set_tests_properties(refs.rust-slices PROPERTIES TIMEOUT 300)

# A crafted RELR table naming the same 64 pointers 6,144 times over: the reference reader stops
# at one fix per word of the file, warns, and keeps the image (peak RSS under 64 MiB).
add_test(NAME refs.hostile-relr
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/refs_hostile.py $<TARGET_FILE:refs_dump>
          ${CMAKE_CURRENT_BINARY_DIR}/refs-hostile)

# References of relocatable objects (section + offset) against readelf -rW, -sW and -SW:
# fixtures/refs/slices.c compiled by gcc and clang-14 (-O2 -c).
add_test(NAME refs.elf-objects
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/refs_obj_check.py $<TARGET_FILE:refs_dump>
          ${SEGSCAN_FIXTURE_SRC}/refs/slices.c ${CMAKE_CURRENT_BINARY_DIR}/refs-obj)

# The literals analysis (issue 19) against a byte search of objcopy's section bytes: C tables
# defined static in two translation units (gcc + GNU ld, clang + lld), the anchored match and
# symbols out of range (yaml2obj), a million boundaries (bounded time and memory), and the diff
# and budget metric duplicate-literal-bytes (tests/literals_check.py).
find_program(SEGSCAN_LIT_YAML2OBJ yaml2obj-14 REQUIRED)
foreach(group c-tables anchored hostile diff-budget)
  add_test(NAME literals.${group}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/literals_check.py $<TARGET_FILE:segscan>
            ${CMAKE_CURRENT_BINARY_DIR}/literals_check/${group} ${group})
  set_tests_properties(literals.${group} PROPERTIES TIMEOUT 300)
endforeach()
