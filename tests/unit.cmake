# C unit tests of the core pieces (cursor, arena, file map, decompression caps, escaping).
add_executable(unit_tests ${CMAKE_CURRENT_SOURCE_DIR}/unit.c)
target_link_libraries(unit_tests PRIVATE segscan_formats segscan_emit segscan_core
  PkgConfig::ZLIB PkgConfig::LIBZSTD)
add_test(NAME unit COMMAND unit_tests)
