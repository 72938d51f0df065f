# CorunInstall.cmake — what `cmake --install` puts under the prefix:
#   bin/corun, lib/libcorun.so + libcorun.a, include/corun/*.h (with the
#   generated config.h), lib/cmake/corun/ (find_package(corun): corun::corun,
#   corun::corun_static), lib/pkgconfig/corun.pc, share/man/man1/corun.1
#   (when help2man is there to generate it from --help), and bash completion.
# The installed files must not depend on the build tree: tests/install/
# builds a program against them (CTest test `install`).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set_target_properties(corun_shared PROPERTIES EXPORT_NAME corun)
set_target_properties(corun_lib PROPERTIES EXPORT_NAME corun_static)

# What a program linking the installed static library needs besides it; the
# shared library records its own (DT_NEEDED). Libraries as absolute paths,
# as found here; OpenMP, threads, MPI and CUDA as the targets the package
# finds again (cmake/corunConfig.cmake.in).
set(CORUN_NEEDS_MPI 0)
if(CORUN_MPI_ON OR CORUN_HDF5_PARALLEL)
  set(CORUN_NEEDS_MPI 1)
endif()
set(CORUN_NEEDS_CUDART 0)
if(CORUN_CUDA_BACKEND AND NOT CORUN_CUDA_EMULATE)
  set(CORUN_NEEDS_CUDART 1)
endif()
set(_static_deps ${CORUN_HDF5_LIBRARIES} ${CORUN_BIGINT_LIBRARIES} OpenMP::OpenMP_C Threads::Threads m)
set(_pc_private ${CORUN_HDF5_LIBRARIES} ${CORUN_BIGINT_LIBRARIES} ${OpenMP_C_FLAGS} -lpthread -lm)
if(CORUN_NEEDS_MPI)
  list(APPEND _static_deps MPI::MPI_C)
  list(APPEND _pc_private ${MPI_C_LIBRARIES})
endif()
if(CORUN_NEEDS_CUDART)
  list(APPEND _static_deps CUDA::cudart_static)
  list(APPEND _pc_private -L${CUDAToolkit_LIBRARY_DIR} -lcudart_static -ldl -lrt)
endif()
if(CORUN_CUDA_BACKEND)   # the .cu sources are C++ (nvcc's host code, or the emulator's)
  list(APPEND _static_deps stdc++)
  list(APPEND _pc_private -lstdc++)
endif()
foreach(dep IN LISTS _static_deps)
  target_link_libraries(corun_lib INTERFACE "$<INSTALL_INTERFACE:${dep}>")
endforeach()

# Headers: corun/fib.h includes <gmp.h>, so its folder goes with the include
# path where it is not the compiler's own.
set(_inc_dirs ${CMAKE_INSTALL_INCLUDEDIR})
set(CORUN_PC_CFLAGS "")
if(CORUN_FIB_ON AND NOT GMP_INCLUDE_DIR IN_LIST CMAKE_C_IMPLICIT_INCLUDE_DIRECTORIES)
  list(APPEND _inc_dirs ${GMP_INCLUDE_DIR})
  set(CORUN_PC_CFLAGS " -I${GMP_INCLUDE_DIR}")
endif()
foreach(dir IN LISTS _inc_dirs)
  target_include_directories(corun_lib INTERFACE "$<INSTALL_INTERFACE:${dir}>")
  target_include_directories(corun_shared INTERFACE "$<INSTALL_INTERFACE:${dir}>")
endforeach()

# Installed binaries keep the run path to libraries outside the system's
# folders (HDF5, MPI, GMP from modules or Spack), so they start without
# LD_LIBRARY_PATH.
set_target_properties(corun corun_shared PROPERTIES INSTALL_RPATH_USE_LINK_PATH TRUE)
install(TARGETS corun RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS corun_shared corun_lib EXPORT corunTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(_no_fib_header "")
if(NOT CORUN_FIB_ON)   # its declarations need GMP, which this build has not
  set(_no_fib_header PATTERN fib.h EXCLUDE)
endif()
install(DIRECTORY include/corun DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" ${_no_fib_header})
install(FILES ${PROJECT_BINARY_DIR}/include/corun/config.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/corun)

# CMake package
set(_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/corun)
install(EXPORT corunTargets NAMESPACE corun:: DESTINATION ${_cmake_dir})
configure_package_config_file(cmake/corunConfig.cmake.in
  ${PROJECT_BINARY_DIR}/corunConfig.cmake INSTALL_DESTINATION ${_cmake_dir})
# 0.x: a new minor version may change the API (docs/API.md).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/corunConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/corunConfig.cmake ${PROJECT_BINARY_DIR}/corunConfigVersion.cmake
  DESTINATION ${_cmake_dir})

# pkg-config: the prefix is found from the .pc file's own place, so a tree
# installed with `cmake --install --prefix DIR` (or moved) still works.
file(RELATIVE_PATH _pc_up "/r/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/r")
list(JOIN _pc_private " " CORUN_PC_LIBS_PRIVATE)
set(_configured_prefix ${CMAKE_INSTALL_PREFIX})
set(CMAKE_INSTALL_PREFIX "\${pcfiledir}/${_pc_up}")
configure_file(cmake/corun.pc.in ${PROJECT_BINARY_DIR}/corun.pc @ONLY)
set(CMAKE_INSTALL_PREFIX ${_configured_prefix})
install(FILES ${PROJECT_BINARY_DIR}/corun.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Man page: generated from `corun --help`, `--version` and each command's
# --help (cmake/man_sections.cmake), so it says what the program says.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/corun.1
    COMMAND ${CMAKE_COMMAND} -DCORUN=$<TARGET_FILE:corun> -DOUT=${PROJECT_BINARY_DIR}/corun.h2m
      -P ${PROJECT_SOURCE_DIR}/cmake/man_sections.cmake
    COMMAND ${HELP2MAN} --no-info --section=1 --include=${PROJECT_BINARY_DIR}/corun.h2m
      "--name=parallel simulation engine (Life, Fibonacci, CSV) on serial, OpenMP and CUDA backends"
      --output=${PROJECT_BINARY_DIR}/corun.1 $<TARGET_FILE:corun>
    DEPENDS corun ${PROJECT_SOURCE_DIR}/cmake/man_sections.cmake VERBATIM)
  add_custom_target(corun_man ALL DEPENDS ${PROJECT_BINARY_DIR}/corun.1)
  install(FILES ${PROJECT_BINARY_DIR}/corun.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  corun_feature("man page" ON "help2man")
else()
  corun_feature("man page" OFF "help2man not found")
endif()

install(FILES packaging/bash-completion/corun
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
