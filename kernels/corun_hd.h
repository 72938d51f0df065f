/* corun_hd.h — CORUN_HD: marks a function as callable on the host and, when
 * compiled by nvcc, on the device too.
 *
 * Logic shared between the CPU backends and CUDA kernels is written once as
 * `static inline CORUN_HD` C11 functions in headers under kernels/. This
 * header must stay free of cuda_runtime.h so plain C compilers can include it.
 */
#ifndef CORUN_HD_H
#define CORUN_HD_H

#ifdef __CUDACC__
#define CORUN_HD __host__ __device__
#else
#define CORUN_HD
#endif

#endif
