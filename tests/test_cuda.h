/* test_cuda.h — the cuda-vs-serial equality tests, shared by the emulator
 * suites (test_cuda.c, test_cuda_tiles.c) and the device suite
 * (test_cuda_gpu.c). */
#ifndef CORUN_TEST_CUDA_H
#define CORUN_TEST_CUDA_H

void cuda_eq_sizes_rules(void);
void cuda_eq_random_sizes(void);
void cuda_eq_wide_tall(void);
void cuda_eq_chunks(void);
void cuda_eq_counted(void);
void cuda_eq_rows(void);
void cuda_eq_snapshot(void);
void cuda_eq_info(void);
void cuda_eq_cli(void);
void cuda_eq_multigen(void);

/* Change tracking (test_cuda_tiles.c). */
void cuda_tiles_settling(void);
void cuda_tiles_gliders(void);
void cuda_tiles_sizes_rules(void);
void cuda_tiles_counted(void);
void cuda_tiles_put_rows(void);
void cuda_tiles_auto(void);
void cuda_tiles_modes(void);
void cuda_tiles_after_multigen(void);

/* Exits with CTest's skip code (77) after saying why, unless the cuda
 * backend is built as `want` (a corun_cuda_build_t) and, for a device build,
 * a device is visible. Called by each suite's first case. */
void cuda_require(int want);

#endif
