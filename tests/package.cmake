# Adoption (issue 23): the two set-up lists of .ci/setup; cmake --install and the Debian
# package (cpack -G DEB, unpacked with dpkg -x and run) from one build tree configured for /usr;
# the static build (-DSEGSCAN_STATIC=ON). The last two build segscan again in trees of their
# own (each some 20 s of CPU).
add_test(NAME setup.lists
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/setup_lists.py --source ${CMAKE_SOURCE_DIR}
          --build ${CMAKE_BINARY_DIR} --segscan $<TARGET_FILE:segscan>)
set_tests_properties(setup.lists PROPERTIES TIMEOUT 300)

foreach(what IN ITEMS deb static)
  add_test(NAME package.${what}
    COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/package_test.py ${what} --source ${CMAKE_SOURCE_DIR}
            --work ${CMAKE_CURRENT_BINARY_DIR}/package --segscan $<TARGET_FILE:segscan>
            --fixtures ${SEGSCAN_FIXTURE_OUT}/elf --version ${PROJECT_VERSION})
  set_tests_properties(package.${what} PROPERTIES FIXTURES_REQUIRED elf TIMEOUT 900)
endforeach()
