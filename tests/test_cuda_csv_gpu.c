/* test_cuda_csv_gpu.c — the cuda CSV tests (test_cuda_csv.c) on a real GPU.
 * Label `gpu`; exits with the skip code when the build is not a device
 * build or no device is visible, saying which. */
#include "corun/cuda.h"
#include "test_cuda.h"
#include "test_cuda_csv.h"
#include "testlib.h"

static void require_device(void) { cuda_require(CORUN_CUDA_BUILD_DEVICE); }

static const test_case_t cases[] = {
    {"require_device", require_device},
    {"generated", cuda_csv_generated},
    {"handmade", cuda_csv_handmade},
    {"pieces", cuda_csv_pieces},
    {"stats", cuda_csv_stats},
    {"bad", cuda_csv_bad},
    {"cli", cuda_csv_cli},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda_csv_gpu, cases)
