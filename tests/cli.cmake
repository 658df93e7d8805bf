# Command-line tests: options, exit codes, several inputs, -n, archives, hostile file names.
# They use the ELF fixtures (fixture set "elf", built by elf.fixtures in tests/elf.cmake).
set(cli_check ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/cli_check.py --segscan $<TARGET_FILE:segscan>
    --fixtures ${SEGSCAN_FIXTURE_OUT}/elf --schema ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json
    --version ${PROJECT_VERSION})
foreach(c IN ITEMS help version usage-errors missing-file mixed-inputs top archive-text odd-names
                  fd-limit)
  add_test(NAME cli.${c} COMMAND ${cli_check} ${c})
  set_tests_properties(cli.${c} PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 60)
endforeach()

# The report's streaming and table formats (issue 21): each against the JSON report of the same
# inputs, with independent parsers (jsonschema, csv, python3-markdown, the SARIF 2.1.0 schema).
foreach(f IN ITEMS ndjson csv sarif markdown outputs)
  add_test(NAME formats.${f} COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/formats_test.py ${f}
    --segscan $<TARGET_FILE:segscan> --fixtures ${SEGSCAN_FIXTURE_OUT}/elf
    --schema ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json
    --sarif-schema ${SEGSCAN_TESTS}/sarif/sarif-schema-2.1.0.json
    --work ${CMAKE_CURRENT_BINARY_DIR}/formats-${f})
  set_tests_properties(formats.${f} PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 300)
endforeach()
add_test(NAME formats.check-sarif COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/formats_test.py
  check_sarif --segscan $<TARGET_FILE:segscan> --fixtures ${SEGSCAN_FIXTURE_OUT}/elf
  --schema ${CMAKE_SOURCE_DIR}/docs/segscan.schema.json
  --sarif-schema ${SEGSCAN_TESTS}/sarif/sarif-schema-2.1.0.json
  --ci-fixtures ${SEGSCAN_FIXTURE_OUT}/ci --ci-src ${SEGSCAN_FIXTURE_SRC}/ci
  --work ${CMAKE_CURRENT_BINARY_DIR}/formats-check)
set_tests_properties(formats.check-sarif PROPERTIES FIXTURES_REQUIRED "elf;ci" TIMEOUT 300)
