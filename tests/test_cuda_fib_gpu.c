/* test_cuda_fib_gpu.c — the cuda Fibonacci tests (test_cuda_fib.c) on a real
 * GPU, plus F(1,000,000) (too slow for the emulator). Label `gpu`; exits
 * with the skip code when the build is not a device build or no device is
 * visible, saying which. */
#include <string.h>

#include "corun/cuda.h"
#include "test_cuda.h"
#include "test_cuda_fib.h"
#include "testlib.h"

static void require_device(void) { cuda_require(CORUN_CUDA_BUILD_DEVICE); }

static void million(void) {
    static char out[1 << 14], err[1 << 14];
    const char *a[] = {"corun", "fib", "--backend", "cuda", "--n", "1000000", "--tasks", "4",
                       "--verify", "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "digits=208988 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "verify=ok"));
}

static const test_case_t cases[] = {
    {"require_device", require_device},
    {"small", cuda_fib_small},
    {"edges", cuda_fib_edges},
    {"global", cuda_fib_global},
    {"dynamic", cuda_fib_dynamic},
    {"cli", cuda_fib_cli},
    {"F(10^6) x 4", million},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda_fib_gpu, cases)
