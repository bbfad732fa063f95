#===- AddMPQ.cmake - Declaring, installing and exporting mpq targets ------===#
#
# Part of the mpq project.
#
#===----------------------------------------------------------------------===#
#
# Every mpq library goes through add_mpq_library (or add_mpq_dialect_library),
# which is add_mlir_library plus mpq's own install rule: the archive goes to
# <prefix>/lib and into the export set MPQTargets, which
# <prefix>/lib/cmake/mpq/MPQConfig.cmake loads as MPQ::<name>. Left to itself,
# add_mlir_library would put the library into MLIR's export set
# (MLIRTargets), which mpq does not install: another project would then find
# no mpq targets at all.
#
#===----------------------------------------------------------------------===#

include_guard(GLOBAL)

set(MPQ_INSTALL_BINDIR bin)
set(MPQ_INSTALL_INCLUDEDIR include)
set(MPQ_INSTALL_LIBDIR lib${LLVM_LIBDIR_SUFFIX})
set(MPQ_INSTALL_PACKAGEDIR ${MPQ_INSTALL_LIBDIR}/cmake/mpq)

# add_mpq_library(name <add_mlir_library arguments>...)
function(add_mpq_library name)
  add_mlir_library(${name} ${ARGN} DISABLE_INSTALL)
  install(TARGETS ${name}
    EXPORT MPQTargets
    COMPONENT mpq-libraries
    ARCHIVE DESTINATION ${MPQ_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${MPQ_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${MPQ_INSTALL_BINDIR}
    # The exported target carries <prefix>/include; the build itself uses the
    # project-wide include_directories, so nothing changes in the build tree.
    INCLUDES DESTINATION ${MPQ_INSTALL_INCLUDEDIR})
  set_property(GLOBAL APPEND PROPERTY MPQ_EXPORTS ${name})
endfunction()

# add_mpq_dialect_library(name ...): add_mlir_dialect_library's counterpart.
function(add_mpq_dialect_library name)
  set_property(GLOBAL APPEND PROPERTY MLIR_DIALECT_LIBS ${name})
  add_mpq_library(${ARGV} DEPENDS mlir-headers)
endfunction()

# mpq_install_tools(names...): installs executables to <prefix>/bin and
# exports them as MPQ::<name>, so another project can run them from a custom
# command.
function(mpq_install_tools)
  install(TARGETS ${ARGN}
    EXPORT MPQTargets
    COMPONENT mpq-tools
    RUNTIME DESTINATION ${MPQ_INSTALL_BINDIR})
  set_property(GLOBAL APPEND PROPERTY MPQ_EXPORTS ${ARGN})
endfunction()
