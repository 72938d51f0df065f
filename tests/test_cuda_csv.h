/* test_cuda_csv.h — the cuda CSV backend tests, shared by the emulator suite
 * (test_cuda_csv.c) and the device suite (test_cuda_csv_gpu.c). */
#ifndef CORUN_TEST_CUDA_CSV_H
#define CORUN_TEST_CUDA_CSV_H

void cuda_csv_generated(void);
void cuda_csv_handmade(void);
void cuda_csv_pieces(void);
void cuda_csv_stats(void);
void cuda_csv_bad(void);
void cuda_csv_cli(void);

#endif
