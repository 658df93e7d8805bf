# Work that grows with the square of a count the file controls (issue 16, class 7): each case
# builds its input at N and 2N and holds the time ratio to about double (tests/quadratic.py).
foreach(c IN ITEMS coff-same-address macho-strtab-no-nul macho-strtab-long-name
                diff-sections diff-members elf-sections-segments
                macho-sectionless text-regions bss-stacked-objects
                comment-sections literals-objects code-sections)
  add_test(NAME quadratic.${c}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/quadratic.py --segscan $<TARGET_FILE:segscan> ${c})
  # A time ratio: run alone, so that another test on the other CPU does not move one of the two
  # timings (under a loaded machine a 2.8x bound was crossed by noise, not by the code).
  set_tests_properties(quadratic.${c} PROPERTIES TIMEOUT 600 RUN_SERIAL TRUE)
endforeach()
