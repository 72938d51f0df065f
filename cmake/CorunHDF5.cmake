# CorunHDF5.cmake — MPI and the matching HDF5.
#
# An MPI build needs the parallel HDF5; every other build prefers the serial
# one (the same h5io code serves both: single-process runs use the default
# file driver). HDF5 is found with CMake's FindHDF5, which asks the compiler
# wrapper (h5cc / h5pcc) that Debian, environment modules and Spack put on
# PATH; where there is no wrapper it falls back to pkg-config (Debian names
# the two variants hdf5-serial and hdf5-openmpi).
#
# Sets: CORUN_MPI_ON, CORUN_MPI_WHY, CORUN_HDF5_PARALLEL, CORUN_HDF5_DESC and
# the INTERFACE target corun_hdf5 (include dirs, definitions, libraries).

set(CORUN_MPI "AUTO" CACHE STRING "MPI scale-out: AUTO|ON|OFF (needs MPI and a parallel HDF5)")
set_property(CACHE CORUN_MPI PROPERTY STRINGS AUTO ON OFF)

if(NOT CORUN_MPI STREQUAL "OFF")
  find_package(MPI COMPONENTS C QUIET)
endif()
set(_want_parallel OFF)
if(MPI_C_FOUND AND NOT CORUN_MPI STREQUAL "OFF")
  set(_want_parallel ON)
endif()

# FindHDF5 caches the wrapper and library it found: a build folder first
# configured for the other variant (e.g. before Open MPI was installed) must
# look again rather than mix parallel headers with a serial library.
macro(_corun_find_hdf5 parallel)
  set(HDF5_PREFER_PARALLEL ${parallel})
  find_package(HDF5 COMPONENTS C QUIET)
  set(_h5_par OFF)
  if(HDF5_IS_PARALLEL)
    set(_h5_par ON)
  endif()
  if(HDF5_FOUND AND NOT _h5_par STREQUAL parallel)
    unset(HDF5_C_COMPILER_EXECUTABLE CACHE)
    unset(HDF5_C_LIBRARY_hdf5 CACHE)
    unset(HDF5_IS_PARALLEL CACHE)
    foreach(v FOUND IS_PARALLEL VERSION INCLUDE_DIRS LIBRARIES DEFINITIONS
              C_INCLUDE_DIRS C_LIBRARIES C_DEFINITIONS)
      unset(HDF5_${v})
    endforeach()
    find_package(HDF5 COMPONENTS C QUIET)
  endif()
endmacro()
_corun_find_hdf5(${_want_parallel})

if(HDF5_FOUND)
  set(_h5_inc ${HDF5_C_INCLUDE_DIRS} ${HDF5_INCLUDE_DIRS})
  set(_h5_libs ${HDF5_C_LIBRARIES})
  if(NOT _h5_libs)
    set(_h5_libs ${HDF5_LIBRARIES})
  endif()
  set(_h5_defs ${HDF5_C_DEFINITIONS} ${HDF5_DEFINITIONS})
  set(CORUN_HDF5_PARALLEL ${HDF5_IS_PARALLEL})
  set(CORUN_HDF5_DESC "HDF5 ${HDF5_VERSION}, found by FindHDF5")
else()
  find_package(PkgConfig QUIET)
  if(PKG_CONFIG_FOUND)
    if(_want_parallel)
      pkg_check_modules(CORUN_H5PC QUIET hdf5-openmpi)
    endif()
    if(NOT CORUN_H5PC_FOUND)
      pkg_check_modules(CORUN_H5PC QUIET hdf5-serial)
    endif()
    if(NOT CORUN_H5PC_FOUND)
      pkg_check_modules(CORUN_H5PC QUIET hdf5)
    endif()
  endif()
  if(NOT CORUN_H5PC_FOUND)
    message(FATAL_ERROR "HDF5 (C library) not found: install libhdf5-dev (Debian), "
      "load an hdf5 module, or point CMake at it with -DHDF5_ROOT=DIR or h5cc on PATH")
  endif()
  set(_h5_inc ${CORUN_H5PC_INCLUDE_DIRS})
  set(_h5_libs ${CORUN_H5PC_LINK_LIBRARIES})
  set(_h5_defs "")
  set(CORUN_HDF5_PARALLEL OFF)
  if(CORUN_H5PC_MODULE_NAME MATCHES "openmpi" OR CORUN_H5PC_INCLUDE_DIRS MATCHES "openmpi|mpich")
    set(CORUN_HDF5_PARALLEL ON)
  endif()
  set(CORUN_HDF5_DESC "HDF5 ${CORUN_H5PC_VERSION}, found by pkg-config")
endif()
if(CORUN_HDF5_PARALLEL)
  string(APPEND CORUN_HDF5_DESC ", parallel")
else()
  string(APPEND CORUN_HDF5_DESC ", serial")
endif()

# FindHDF5 reports definitions as -D flags; target_compile_definitions wants
# them without.
list(TRANSFORM _h5_defs REPLACE "^-D" "")
add_library(corun_hdf5 INTERFACE)
target_include_directories(corun_hdf5 INTERFACE ${_h5_inc})
target_compile_definitions(corun_hdf5 INTERFACE ${_h5_defs})
target_link_libraries(corun_hdf5 INTERFACE ${_h5_libs})
# The libraries as found, for the installed CMake package and corun.pc.
set(CORUN_HDF5_LIBRARIES ${_h5_libs})

set(_mpi_ok OFF)
if(MPI_C_FOUND AND CORUN_HDF5_PARALLEL)
  set(_mpi_ok ON)
endif()
if(NOT MPI_C_FOUND)
  set(_mpi_missing "MPI not found")
else()
  set(_mpi_missing "the HDF5 found is serial")
endif()
corun_want(CORUN_MPI _mpi_ok "${_mpi_missing}")
# A parallel HDF5 (the only one some sites provide) includes <mpi.h> even in
# a build that does not use MPI itself.
if(CORUN_HDF5_PARALLEL)
  if(NOT MPI_C_FOUND)
    find_package(MPI COMPONENTS C QUIET)
  endif()
  if(NOT MPI_C_FOUND)
    message(FATAL_ERROR "the HDF5 found is parallel (${CORUN_HDF5_DESC}) but MPI was not found")
  endif()
  target_link_libraries(corun_hdf5 INTERFACE MPI::MPI_C)
endif()
corun_feature(hdf5 ON "${CORUN_HDF5_DESC}")
if(CORUN_MPI_ON)
  corun_feature(mpi ON "MPI ${MPI_C_VERSION}")
else()
  set(_hint "")
  if(NOT CORUN_MPI STREQUAL "OFF")
    set(_hint ": libopenmpi-dev libhdf5-openmpi-dev on Debian, or MPI and parallel hdf5 modules")
  endif()
  corun_feature(mpi OFF "${CORUN_MPI_WHY}${_hint}")
endif()
