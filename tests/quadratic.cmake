# Work that grows with the square of a count the file controls (issue 16, class 7): each case
# builds its input at N and 2N and holds the time ratio to about double (tests/quadratic.py).
foreach(c IN ITEMS coff-same-address macho-strtab-no-nul macho-strtab-long-name
                diff-sections diff-members elf-sections-segments
                macho-sectionless text-regions bss-stacked-objects
                comment-sections)
  add_test(NAME quadratic.${c}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/quadratic.py --segscan $<TARGET_FILE:segscan> ${c})
  set_tests_properties(quadratic.${c} PROPERTIES TIMEOUT 600)
endforeach()
