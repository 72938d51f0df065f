/* cuda_selftest.h — small kernels that check the CUDA features corun's
 * kernels rely on (shared memory and __syncthreads, warp shuffles and votes,
 * atomics), on the emulator and on a real device alike, plus the emulator's
 * error paths. Implemented in kernels/cuda_selftest.cu; used by the tests
 * (tests/test_cuda_emu.c, tests/test_cuda_gpu.c). Plain C, no CUDA headers.
 */
#ifndef CORUN_CUDA_SELFTEST_H
#define CORUN_CUDA_SELFTEST_H

#ifdef __cplusplus
extern "C" {
#endif

#include "corun/err.h"

/* Block reduction (shuffle tree + shared memory + __syncthreads_count) and
 * a shuffle/ballot/atomic kernel over n values; 0 if every result matches
 * the host's, else CORUN_EINTERNAL naming the first wrong value. */
int corun_cuda_selftest_features(int n, corun_err_t *err);
/* Each of a few blocks reverses n words through n words of dynamic shared
 * memory (CORUN_DYNAMIC_SHARED); above the 48 KiB default the launch must
 * first fail, then succeed after cudaFuncSetAttribute. CORUN_ENOTSUP if the
 * device allows less shared memory per block than n words. */
int corun_cuda_selftest_dynamic_shared(int n, corun_err_t *err);
/* Emulator only (CORUN_ENOTSUP on a device, where these are undefined
 * behaviour or a hang): launches a kernel whose __syncthreads (which = 0) or
 * whose __shfl_sync (which = 1) not every thread reaches, and returns the
 * launch's error as a message; resets the device afterwards. */
int corun_cuda_selftest_divergence(int which, corun_err_t *err);
/* Launches a kernel that writes one element past the end of an n-element
 * device array (AddressSanitizer must stop the process under emulation). */
int corun_cuda_selftest_oob(int n, corun_err_t *err);

#ifdef __cplusplus
}
#endif
#endif
