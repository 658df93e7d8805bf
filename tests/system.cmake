# Cross-check on the machine's own binaries (issue 2): at least 200 ELF files from /usr/bin and
# /usr/lib against readelf -S/-l -W and size -B, plus file-map sums.
add_test(NAME system.crosscheck
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/system_crosscheck.py $<TARGET_FILE:segscan> --min 200)
set_tests_properties(system.crosscheck PROPERTIES TIMEOUT 600)

# --verify-compressed: real compressed debug info verifies, lying headers are caught (issue 2).
add_test(NAME elf.verify-compressed
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/verify_compressed.py $<TARGET_FILE:segscan>
          ${SEGSCAN_FIXTURE_OUT}/elf)
set_tests_properties(elf.verify-compressed PROPERTIES FIXTURES_REQUIRED elf)

# cmake --install puts the executable and the man page in place.
add_test(NAME cli.install
  COMMAND ${CMAKE_COMMAND} --install ${CMAKE_BINARY_DIR} --prefix ${CMAKE_CURRENT_BINARY_DIR}/install-test)
add_test(NAME cli.install-files
  COMMAND sh -c "test -x '${CMAKE_CURRENT_BINARY_DIR}/install-test/bin/segscan' && grep -q '^.SH EXIT STATUS' '${CMAKE_CURRENT_BINARY_DIR}/install-test/share/man/man1/segscan.1'")
set_tests_properties(cli.install-files PROPERTIES DEPENDS cli.install)

# bss.zero_init_bytes on the ELF fixtures (thread-local cases included) against readelf.
add_test(NAME analysis.zero-init-elf
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/zero_init_check.py $<TARGET_FILE:segscan>
          ${SEGSCAN_FIXTURE_OUT}/elf)
set_tests_properties(analysis.zero-init-elf PROPERTIES FIXTURES_REQUIRED elf)

# Archives and universal files: member bytes + container_bytes == file size, by an independent
# parser of ar headers and fat arch tables (nested archives inside slices included).
add_test(NAME container.bytes
  COMMAND ${SEGSCAN_PYTHON} ${SEGSCAN_TESTS}/container_bytes.py $<TARGET_FILE:segscan>
          ${SEGSCAN_FIXTURE_OUT}/elf/libfixture.a ${SEGSCAN_FIXTURE_OUT}/macho/fat-exe
          ${SEGSCAN_FIXTURE_OUT}/macho/fat-lib.a ${SEGSCAN_FIXTURE_OUT}/macho/libfix-x86_64.a
          ${SEGSCAN_FIXTURE_OUT}/pe/x64-lib.lib /usr/lib/x86_64-linux-gnu/libc_nonshared.a)
set_tests_properties(container.bytes PROPERTIES FIXTURES_REQUIRED "elf;macho;pe")

# A non-root user without the packages is told which ones to install (issue 2): .ci/setup names
# them and exits 1 without touching the system; CMake names the Debian package of a missing
# library instead of failing in the compiler. (The script is read as root and given on stdin:
# a clone in a private folder, as mktemp -d makes, is not readable by that user.)
add_test(NAME setup.nonroot-names-packages
  COMMAND sh -c "out=$(SEGSCAN_SETUP_EXTRA_PACKAGES=segscan-no-such-package setpriv --reuid=65534 --regid=65534 --clear-groups bash -s < '${CMAKE_SOURCE_DIR}/.ci/setup' 2>&1); rc=$?; echo \"$out\"; [ $rc -eq 1 ] && echo \"$out\" | grep -q 'missing Debian packages: segscan-no-such-package' && echo \"$out\" | grep -q 'apt-get install segscan-no-such-package'")
add_test(NAME setup.cmake-names-libraries
  COMMAND sh -c "rm -rf '${CMAKE_CURRENT_BINARY_DIR}/nodeps' && out=$(PKG_CONFIG_LIBDIR=/nonexistent PKG_CONFIG_PATH= cmake -S '${CMAKE_SOURCE_DIR}' -B '${CMAKE_CURRENT_BINARY_DIR}/nodeps' 2>&1); rc=$?; echo \"$out\" | tail -5; [ $rc -ne 0 ] && echo \"$out\" | grep -q 'install the Debian package libelf-dev'")
