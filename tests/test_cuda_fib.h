/* test_cuda_fib.h — the cuda Fibonacci tests, shared by the emulator suite
 * (test_cuda_fib.c) and the device suite (test_cuda_fib_gpu.c). */
#ifndef CORUN_TEST_CUDA_FIB_H
#define CORUN_TEST_CUDA_FIB_H

void cuda_fib_small(void);
void cuda_fib_edges(void);
void cuda_fib_global(void);
void cuda_fib_dynamic(void);
void cuda_fib_cli(void);

#endif
