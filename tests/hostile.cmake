# Hostile input (issue 7): the malformed ELF corpus generated from every ELF fixture.
# In the sanitizer build the address-space limit is lifted (ASan reserves terabytes of it).
if(SEGSCAN_SANITIZE)
  set(SEGSCAN_MUTATE_FLAGS --asan)
endif()
add_test(NAME hostile.elf-mutants
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/mutate_elf.py $<TARGET_FILE:segscan>
          ${CMAKE_CURRENT_BINARY_DIR}/mutants-elf ${SEGSCAN_FIXTURE_OUT}/elf ${SEGSCAN_MUTATE_FLAGS})
set_tests_properties(hostile.elf-mutants PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 1800)

# Resource bounds (issue 16): inputs built to push segscan past a bound, each beside a good file.
set(bounds_py ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/bounds.py --segscan $<TARGET_FILE:segscan>
    ${SEGSCAN_MUTATE_FLAGS})
foreach(c IN ITEMS special-files shrinking-file overlap budget-yaml sparse decompression)
  add_test(NAME bounds.${c} COMMAND ${bounds_py} ${c})
  set_tests_properties(bounds.${c} PROPERTIES TIMEOUT 300)
endforeach()
