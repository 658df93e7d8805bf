# Hardening checks (issue 20): ELF fixtures built both ways from fixtures/harden/ at test time,
# each value against readelf and the build's promise, then `check` rules and `diff` changes
# (tests/harden_elf.py); and checksec 2.6.0 (Debian's package) against segscan on 100+ ELF
# files of this machine, every disagreement explained by a rule of
# tests/checksec_disagreements.txt (tests/checksec_compare.py).
add_test(NAME harden.elf
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/harden_elf.py $<TARGET_FILE:segscan>
          ${SEGSCAN_FIXTURE_OUT}/harden ${CMAKE_SOURCE_DIR}/docs)
set_tests_properties(harden.elf PROPERTIES TIMEOUT 300)

add_test(NAME harden.checksec
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/checksec_compare.py $<TARGET_FILE:segscan>
          ${SEGSCAN_TESTS}/checksec_disagreements.txt)
set_tests_properties(harden.checksec PROPERTIES TIMEOUT 600)
