# CorunFib.cmake — the Fibonacci workload needs GMP (the integers) and FLINT
# (its FFT multiplication splits one huge product over threads, which GMP's
# does not: src/fib/bigmul.c). Without them corun builds everything else and
# `corun fib` says how it was built (src/cli/fib_disabled.c).
#
# Plain find_path/find_library rather than pkg-config: Debian's FLINT has no
# .pc file, and on clusters both come from modules or Spack (CMAKE_PREFIX_PATH,
# or -DGMP_ROOT=DIR / -DFLINT_ROOT=DIR).
#
# Sets: CORUN_FIB_ON, CORUN_FIB_WHY and the INTERFACE target corun_bigint.

set(CORUN_FIB "AUTO" CACHE STRING "corun fib (needs GMP and FLINT): AUTO|ON|OFF")
set_property(CACHE CORUN_FIB PROPERTY STRINGS AUTO ON OFF)

set(_fib_found OFF)
set(_fib_missing "")
if(NOT CORUN_FIB STREQUAL "OFF")
  find_path(GMP_INCLUDE_DIR gmp.h HINTS ${GMP_ROOT}/include)
  find_library(GMP_LIBRARY gmp HINTS ${GMP_ROOT}/lib)
  find_path(FLINT_INCLUDE_DIR flint/fft.h HINTS ${FLINT_ROOT}/include)
  find_library(FLINT_LIBRARY flint HINTS ${FLINT_ROOT}/lib)
  if(NOT GMP_INCLUDE_DIR OR NOT GMP_LIBRARY)
    set(_fib_missing "GMP not found")
  elseif(NOT FLINT_INCLUDE_DIR OR NOT FLINT_LIBRARY)
    set(_fib_missing "FLINT not found")
  else()
    set(_fib_found ON)
  endif()
endif()
corun_want(CORUN_FIB _fib_found "${_fib_missing}")

add_library(corun_bigint INTERFACE)
if(CORUN_FIB_ON)
  target_include_directories(corun_bigint INTERFACE ${GMP_INCLUDE_DIR} ${FLINT_INCLUDE_DIR})
  target_link_libraries(corun_bigint INTERFACE ${FLINT_LIBRARY} ${GMP_LIBRARY})
  set(CORUN_BIGINT_LIBRARIES ${FLINT_LIBRARY} ${GMP_LIBRARY})
  corun_feature(fib ON "${GMP_LIBRARY}, ${FLINT_LIBRARY}")
else()
  set(CORUN_BIGINT_LIBRARIES "")
  set(_hint "")
  if(NOT CORUN_FIB STREQUAL "OFF")
    set(_hint ": libgmp-dev libflint-dev on Debian, or gmp and flint modules")
  endif()
  corun_feature(fib OFF "${CORUN_FIB_WHY}${_hint}")
endif()
