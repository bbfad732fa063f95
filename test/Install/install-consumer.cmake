#===- install-consumer.cmake - Build a project against installed mpq -----===#
#
# Part of the mpq project.
#
#===----------------------------------------------------------------------===#
#
# Run by ctest (test/Install/CMakeLists.txt passes the variables):
#   1. cmake --install MPQ_BINARY_DIR --prefix WORK_DIR/prefix
#   2. configure CONSUMER_SOURCE_DIR with CMAKE_PREFIX_PATH=WORK_DIR/prefix and
#      check that find_package(MPQ) found that prefix, not another install
#   3. build it and run its tests (the C one compiles TEST_MODEL).
# WORK_DIR starts empty every time: a stale prefix or cache could hide a file
# the install no longer provides.
#
#===----------------------------------------------------------------------===#

cmake_minimum_required(VERSION 3.20)

function(run)
  execute_process(COMMAND ${ARGN} COMMAND_ECHO STDOUT RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "failed (${result})")
  endif()
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
file(REMOVE_RECURSE ${WORK_DIR})

run(${CMAKE_COMMAND} --install ${MPQ_BINARY_DIR} --prefix ${prefix})

run(${CMAKE_COMMAND} -S ${CONSUMER_SOURCE_DIR} -B ${build}
  -G ${GENERATOR} -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}
  -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
  -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
  -DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}
  -DCMAKE_PREFIX_PATH=${prefix}
  -DMPQ_TEST_MODEL=${TEST_MODEL}
  -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)

file(STRINGS ${build}/CMakeCache.txt mpq_dir REGEX "^MPQ_DIR:")
if(NOT mpq_dir STREQUAL "MPQ_DIR:PATH=${prefix}/lib/cmake/mpq")
  message(FATAL_ERROR "find_package(MPQ) found ${mpq_dir}, not ${prefix}")
endif()

run(${CMAKE_COMMAND} --build ${build})
run(${CTEST_COMMAND} --test-dir ${build} -V)
