# Adoption (issue 23). The GitHub composite action (action.yml): parsed with python3-yaml, its steps run
# offline against a yaml2obj-14 fixture with budgets (tests/action_test.py).
find_program(SEGSCAN_ACTION_YAML2OBJ yaml2obj-14 REQUIRED)
add_test(NAME action.check
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/action_test.py --source ${CMAKE_SOURCE_DIR}
          --segscan $<TARGET_FILE:segscan> --work ${CMAKE_BINARY_DIR}/action-test)
set_tests_properties(action.check PROPERTIES TIMEOUT 300)

# Every path, README section and URL the --help texts and the man page name exists in the
# repository (tests/help_refs.py).
add_test(NAME docs.help-refs
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/help_refs.py --segscan $<TARGET_FILE:segscan>
          --source ${CMAKE_SOURCE_DIR})
