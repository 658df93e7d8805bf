# Fuzz targets (issue 7). Every normal build links each target with a replay driver and runs it
# under CTest over the committed regression inputs and every fixture the suite builds (each path
# must exist and hold at least one input, or the replay fails); with -DSEGSCAN_FUZZ=ON (clang-14) the same sources become libFuzzer binaries
# (fuzz_<target>) that .ci/run drives for a fixed time each.
set(SEGSCAN_FUZZ_READERS elf pe macho)
set(SEGSCAN_FUZZ_CORPORA
  ${SEGSCAN_FIXTURE_SRC}/fuzz/regressions
  ${SEGSCAN_FIXTURE_OUT})

function(segscan_fuzz_target name)
  set(srcs ${ARGN})
  if(SEGSCAN_FUZZ)
    add_executable(fuzz_${name} ${srcs})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${name} PRIVATE segscan_pipeline segscan_formats segscan_emit segscan_core)
  endif()
  add_executable(replay_${name} ${SEGSCAN_TESTS}/fuzz/replay.c ${srcs})
  target_link_libraries(replay_${name} PRIVATE segscan_pipeline segscan_formats segscan_emit segscan_core)
  add_test(NAME fuzz.replay.${name} COMMAND replay_${name} ${SEGSCAN_FUZZ_CORPORA})
  # Replay after every fixture set is built, so the fixtures are part of the corpus.
  set_tests_properties(fuzz.replay.${name} PROPERTIES
    FIXTURES_REQUIRED "elf;pe;macho;analysis;dot;ci"
    TIMEOUT 600)
endfunction()

foreach(r IN LISTS SEGSCAN_FUZZ_READERS)
  segscan_fuzz_target(${r} ${SEGSCAN_TESTS}/fuzz/fuzz_reader.c)
  target_compile_definitions(replay_${r} PRIVATE SS_FUZZ_READER=ss_reader_${r})
  if(SEGSCAN_FUZZ)
    target_compile_definitions(fuzz_${r} PRIVATE SS_FUZZ_READER=ss_reader_${r})
  endif()
endforeach()
segscan_fuzz_target(report ${SEGSCAN_TESTS}/fuzz/fuzz_report.c)
# The debug-information path (issue 22): libdw on every fixture, the DWARF fixtures included.
segscan_fuzz_target(dwarf ${SEGSCAN_TESTS}/fuzz/fuzz_dwarf.c)
set_property(TEST fuzz.replay.dwarf APPEND PROPERTY FIXTURES_REQUIRED debuginfo)
