# CorunCUDA.cmake — the CUDA backend (docs/CUDA.md).
#
# CORUN_CUDA: AUTO = the cuda backend if nvcc is found; ON = required;
# OFF = none; EMULATE = the same .cu sources built by the host C++ compiler
# against corun's CUDA emulator (kernels/cuda_emu.h), so `--backend cuda`
# runs on any CPU.
#
# Sets: CORUN_HAVE_CUDA (an nvcc was found), CORUN_CUDA_BACKEND (the backend
# is built, on a device or emulated), CORUN_CUDA_EMULATE.

set(CORUN_CUDA "AUTO" CACHE STRING "CUDA backend: AUTO|ON|OFF|EMULATE (docs/CUDA.md)")
set_property(CACHE CORUN_CUDA PROPERTY STRINGS AUTO ON OFF EMULATE)

set(CORUN_HAVE_CUDA 0)      # an nvcc was found
set(CORUN_CUDA_BACKEND 0)   # the cuda backend is built (device or emulated)
set(CORUN_CUDA_EMULATE 0)
if(CORUN_CUDA STREQUAL "EMULATE")
  enable_language(CXX)
  set(CMAKE_CXX_STANDARD 17)
  set(CMAKE_CXX_STANDARD_REQUIRED ON)
  set(CMAKE_CXX_EXTENSIONS OFF)
  set(CMAKE_CXX_VISIBILITY_PRESET hidden)
  set(CMAKE_CXX_FLAGS_RELEASE "-O3")
  set(CORUN_CUDA_BACKEND 1)
  set(CORUN_CUDA_EMULATE 1)
elseif(NOT CORUN_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(CORUN_HAVE_CUDA 1)
    # Ampere (80, 86), Ada (89), Hopper (90), Blackwell (100, 120) as SASS,
    # plus compute_120 PTX so newer GPUs can JIT. Override with
    # -DCMAKE_CUDA_ARCHITECTURES=native on a GPU machine to build faster.
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES "75-real;80-real;86-real;89-real;90-real;100-real;120")
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    set(CMAKE_CUDA_VISIBILITY_PRESET hidden)   # libcorun.so exports CORUN_API only
    # Static cudart: no libcudart.so to find at start-up; on a machine without
    # a driver the first CUDA call returns an error the backend reports.
    set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
    find_package(CUDAToolkit REQUIRED)
    set(CORUN_CUDA_BACKEND 1)
  elseif(CORUN_CUDA STREQUAL "ON")
    message(FATAL_ERROR "CORUN_CUDA=ON but no CUDA compiler was found (install the CUDA Toolkit, or use -DCORUN_CUDA=EMULATE or OFF)")
  endif()
endif()
if(CORUN_CUDA_EMULATE)
  corun_feature(cuda ON "emulated on the CPU: CORUN_CUDA=EMULATE")
elseif(CORUN_CUDA_BACKEND)
  string(REPLACE ";" " " _archs "${CMAKE_CUDA_ARCHITECTURES}")
  corun_feature(cuda ON "nvcc ${CMAKE_CUDA_COMPILER_VERSION}, architectures ${_archs}")
elseif(CORUN_CUDA STREQUAL "OFF")
  corun_feature(cuda OFF "CORUN_CUDA=OFF")
else()
  corun_feature(cuda OFF "no CUDA compiler found: the CUDA Toolkit, or -DCORUN_CUDA=EMULATE")
endif()
