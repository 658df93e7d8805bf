# ELF reader tests (formats/elf.c, formats/ar.c) and the reports' golden files.
#
# elf.fixtures (the setup test of fixture set "elf") builds every fixture from fixtures/elf at
# test time: C programs with gcc and clang-14/lld-14 (PIE, non-PIE, static, 32-bit, big-endian,
# relocatable, shared, archive, compressed debug info) and yaml2obj-14 files, odd and broken.
# The checks compare segscan with independent oracles (readelf, size, objcopy, the YAML's own
# numbers); see tests/elf_check.py. Regenerate the golden files with:
#     cmake --build <build> --target update-golden
set(SEGSCAN_ELF_OUT ${SEGSCAN_FIXTURE_OUT}/elf)
set(SEGSCAN_SCHEMA ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json)

add_test(NAME elf.fixtures COMMAND bash ${SEGSCAN_FIXTURE_SRC}/elf/build.sh ${SEGSCAN_ELF_OUT})
set_tests_properties(elf.fixtures PROPERTIES FIXTURES_SETUP elf TIMEOUT 300)

# Fixtures that must be analyzed (exit 0) and agree with the oracles.
set(SEGSCAN_ELF_GOOD
  gcc-pie gcc-nopie gcc-static gcc-m32 gcc-debug-zlib gcc-debug-zstd hello.o zdebug.o
  libfixture.so libfixture.a
  clang-lld-pie clang-lld-debug-zlib free-x86_64 free-i386 free-gcc-i386 free-ppc64be free-mipsbe
  ppc64be.o
  noshdr overlap compressed compressed-be32 tbss-only bad-shstrndx odd-tables core)
# Fixtures that must be refused (exit 3, one line on stderr with the offset).
set(SEGSCAN_ELF_BROKEN
  broken-section-past-eof broken-phdr-past-eof broken-huge-shnum broken-huge-phnum
  broken-phoff-past-eof broken-shoff-past-eof broken-trunc-header64 broken-trunc-header32)
# Fixtures whose text and JSON reports are kept in tests/golden (deterministic builds only).
set(SEGSCAN_ELF_GOLDEN noshdr overlap compressed tbss-only free-x86_64)

set(elf_check ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/elf_check.py --segscan $<TARGET_FILE:segscan>
    --fixtures ${SEGSCAN_ELF_OUT} --schema ${SEGSCAN_SCHEMA})

foreach(f IN LISTS SEGSCAN_ELF_GOOD)
  add_test(NAME elf.good.${f} COMMAND ${elf_check} good ${f})
  # elf_check.py exits 77 for an optional fixture that was not built: with no SKIP_RETURN_CODE
  # that is a failure (.ci/setup installs every toolchain the fixtures need).
  set_tests_properties(elf.good.${f} PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 60)
endforeach()
foreach(f IN LISTS SEGSCAN_ELF_BROKEN)
  add_test(NAME elf.broken.${f} COMMAND ${elf_check} broken ${f})
  set_tests_properties(elf.broken.${f} PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 60)
endforeach()

# The readelf oracle (reused by the cross-check on real binaries) must see every perturbation.
add_test(NAME elf.oracle-selftest COMMAND ${elf_check} oracle-selftest free-i386 free-ppc64be)
set_tests_properties(elf.oracle-selftest PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 120)

set(elf_golden ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/golden.py --segscan $<TARGET_FILE:segscan>
    --fixtures ${SEGSCAN_ELF_OUT} --golden ${SEGSCAN_TESTS}/golden)
add_test(NAME elf.golden COMMAND ${elf_golden} ${SEGSCAN_ELF_GOLDEN})
set_tests_properties(elf.golden PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 60)

add_custom_target(update-golden
  COMMAND bash ${SEGSCAN_FIXTURE_SRC}/elf/build.sh ${SEGSCAN_ELF_OUT}
  COMMAND ${elf_golden} --update ${SEGSCAN_ELF_GOLDEN}
  DEPENDS segscan
  COMMENT "Regenerating tests/golden from the ELF fixtures; review with git diff tests/golden"
  VERBATIM)
