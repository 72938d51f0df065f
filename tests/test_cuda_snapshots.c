/* test_cuda_snapshots.c — HDF5 snapshots and restart with --backend cuda:
 * frames copied off the device asynchronously and awaited by the aio loop's
 * poll function must equal the omp backend's frames, and a GPU run restarts
 * (on the GPU or the CPU) into the same final state. Runs on the emulator in
 * CORUN_CUDA=EMULATE builds; skipped (77) elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corun/cuda.h"
#include "test_cuda.h"
#include "testlib.h"

static char out[1 << 16], err[1 << 16];
#define RUN(...) test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err, sizeof err)

static void test_cuda_frames_equal_omp(void) {
    cuda_require(CORUN_CUDA_BUILD_EMULATED);
    static const char *const bnd[] = {"torus", "dead"};
    char a[8192], b[8192];
    for (int i = 0; i < 2; i++) {
        const char *pc = test_tmp_path("cuda.h5"), *po = test_tmp_path("omp.h5");
        unlink(pc);
        unlink(po);
        CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "cuda", "--size", "131x67", "--boundary",
                                  bnd[i], "--steps", "40", "--out", pc, "--snapshot-every", "10",
                                  "--quiet"),
                              0);
        CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "omp", "--size", "131x67", "--boundary",
                                  bnd[i], "--steps", "40", "--out", po, "--snapshot-every", "10",
                                  "--quiet"),
                              0);
        CU_ASSERT_EQUAL(test_h5check(pc, NULL, a, sizeof a), 0);
        CU_ASSERT_EQUAL(test_h5check(po, NULL, b, sizeof b), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(a, "frame 4 gen 40 "));
        CU_ASSERT_STRING_EQUAL(a, b);
    }
}

static void test_cuda_restart(void) {
    cuda_require(CORUN_CUDA_BUILD_EMULATED);
    const char *p = test_tmp_path("cuda_restart.h5");
    unlink(p);
    char h1[32] = "", h2[32] = "";
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "omp", "--size", "96x50", "--steps", "60",
                              "--quiet"),
                          0);
    const char *h = strstr(out, "hash=");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    memcpy(h1, h, 21);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "cuda", "--size", "96x50", "--steps", "30",
                              "--out", p, "--snapshot-every", "10", "--quiet"),
                          0);
    CU_ASSERT_EQUAL_FATAL(RUN("life", "--backend", "cuda", "--restart", p, "--steps", "30",
                              "--quiet"),
                          0);
    h = strstr(out, "hash=");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    memcpy(h2, h, 21);
    CU_ASSERT_STRING_EQUAL(h1, h2);
}

static const test_case_t cases[] = {
    {"cuda snapshots equal omp snapshots (async device copies)", test_cuda_frames_equal_omp},
    {"a cuda run restarts into the same final state", test_cuda_restart},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda_snapshots, cases)
