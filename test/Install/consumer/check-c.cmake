# The C and C++ consumers' compile test, run by ctest with MPQC, PROGRAM,
# MODEL and WORK_DIR: the installed mpqc compiles MODEL with --flash=64kB
# --ram=32kB; PROGRAM compiles it through the C API or the C++ compiler
# library and must report the arena, flash
# total and bits of mpqc's report.json, and write the same object.
cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND ${ARGN} COMMAND_ECHO STDOUT RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result})")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
run(${MPQC} ${MODEL} --target=cortex-m7 --flash=64kB --ram=32kB
  -o ${WORK_DIR}/mpqc --quiet)
get_filename_component(name ${MODEL} NAME_WE)
file(READ ${WORK_DIR}/mpqc/${name}.report.json report)
string(JSON arena GET "${report}" summary ram arena)
string(JSON flash GET "${report}" summary flash total)
string(JSON bits GET "${report}" summary bits)
message(STATUS "mpqc's report: arena ${arena} flash ${flash} bits ${bits}")

run(${PROGRAM} ${MODEL} ${WORK_DIR}/capi.o ${arena} ${flash} "${bits}")
run(${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/mpqc/${name}.o
  ${WORK_DIR}/capi.o)
message(STATUS "the same object as mpqc's")
