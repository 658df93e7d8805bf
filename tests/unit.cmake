# C unit tests of the core pieces (cursor, arena, file map, decompression caps, escaping).
add_executable(unit_tests ${CMAKE_CURRENT_SOURCE_DIR}/unit.c)
target_link_libraries(unit_tests PRIVATE segscan_formats segscan_emit segscan_core
  PkgConfig::ZLIB PkgConfig::LIBZSTD)
add_test(NAME unit COMMAND unit_tests)

# The SIMD string scanner against a byte-at-a-time reference, on every implementation the CPU
# has (portable C, SSE2, AVX2).
add_executable(strscan_test ${CMAKE_CURRENT_SOURCE_DIR}/strscan_test.c)
target_link_libraries(strscan_test PRIVATE segscan_core)
add_test(NAME strscan COMMAND strscan_test)

# The radix sort against an insertion sort, and the BSS analysis's relocation index against a
# byte-by-byte model on random synthetic images.
add_executable(radix_test ${CMAKE_CURRENT_SOURCE_DIR}/radix_test.c)
target_link_libraries(radix_test PRIVATE segscan_core)
add_test(NAME radix COMMAND radix_test)
# The pool of big blocks and the arena's trim against a model (tests/bigmem_test.c).
add_executable(bigmem_test ${CMAKE_CURRENT_SOURCE_DIR}/bigmem_test.c)
target_link_libraries(bigmem_test PRIVATE segscan_core)
add_test(NAME bigmem COMMAND bigmem_test)
add_executable(bss_index_test ${CMAKE_CURRENT_SOURCE_DIR}/bss_index_test.c)
target_link_libraries(bss_index_test PRIVATE segscan_core)
add_test(NAME bss_index COMMAND bss_index_test)

# The one escaping module (emit/escape.c): every class of hostile name through every target,
# checked by Python's json/csv/xml/markdown parsers and by dot.
add_executable(escape_dump ${CMAKE_CURRENT_SOURCE_DIR}/escape_dump.c)
target_link_libraries(escape_dump PRIVATE segscan_emit segscan_core)
add_test(NAME escape COMMAND ${SEGSCAN_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/escape_test.py
  $<TARGET_FILE:escape_dump> ${CMAKE_CURRENT_BINARY_DIR}/escape)
add_test(NAME escape_e2e COMMAND ${SEGSCAN_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/escape_e2e.py
  $<TARGET_FILE:segscan> ${SEGSCAN_FIXTURE_SRC} ${CMAKE_CURRENT_BINARY_DIR}/escape_e2e)

# The byte-pattern scan for address loads against llvm-objdump-14 (issue 19, item 2).
add_executable(addrscan_dump ${CMAKE_CURRENT_SOURCE_DIR}/addrscan_dump.c)
target_link_libraries(addrscan_dump PRIVATE segscan_formats segscan_core)
add_executable(refs_dump ${CMAKE_CURRENT_SOURCE_DIR}/refs_dump.c)
target_link_libraries(refs_dump PRIVATE segscan_formats segscan_core)

# The literals analysis on random synthetic images (references of every kind, symbols, hostile
# targets) against a byte-by-byte model of analysis.h's definitions.
add_executable(literals_unit ${CMAKE_CURRENT_SOURCE_DIR}/literals_unit.c)
target_link_libraries(literals_unit PRIVATE segscan_core)
add_test(NAME literals.unit COMMAND literals_unit)
