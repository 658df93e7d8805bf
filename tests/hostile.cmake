# Hostile input (issue 7): the malformed ELF corpus generated from every ELF fixture.
# In the sanitizer build the address-space limit is lifted (ASan reserves terabytes of it).
if(SEGSCAN_SANITIZE)
  set(SEGSCAN_MUTATE_FLAGS --asan)
endif()
add_test(NAME hostile.elf-mutants
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/mutate_elf.py $<TARGET_FILE:segscan>
          ${CMAKE_CURRENT_BINARY_DIR}/mutants-elf ${SEGSCAN_FIXTURE_OUT}/elf ${SEGSCAN_MUTATE_FLAGS})
set_tests_properties(hostile.elf-mutants PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 1800)
