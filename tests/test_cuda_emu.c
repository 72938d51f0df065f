/* test_cuda_emu.c — the CUDA emulator itself (CORUN_CUDA=EMULATE builds;
 * skipped otherwise): shared memory, barriers, shuffles, votes and atomics
 * give the GPU's results; a barrier or warp op not every thread reaches is
 * an error naming the block and thread, not a hang; the runtime API checks
 * its pointers; under AddressSanitizer an out-of-bounds write in a kernel
 * stops the process. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "corun/cuda.h"
#include "cuda_selftest.h"
#include "test_cuda.h"
#include "testlib.h"
#if CORUN_CUDA_EMULATE
#include "cuda_emu.h" /* plain C here: the runtime API subset */
#endif

static void test_require_emulated(void) { cuda_require(CORUN_CUDA_BUILD_EMULATED); }

#if CORUN_CUDA_EMULATE
static void test_features(void) {
    corun_err_t err = {0};
    /* a partial last block and a partial last warp */
    int rc = corun_cuda_selftest_features(1000, &err);
    if (rc) fprintf(stderr, "\n%s\n", err.msg);
    CU_ASSERT_EQUAL(rc, 0);
}

/* Dynamic shared memory: 4 KiB, then 200 KiB (refused until opted in), and
 * more than the 227 KiB any sm_90 block gets. */
static void test_dynamic_shared(void) {
    corun_err_t err = {0};
    int rc = corun_cuda_selftest_dynamic_shared(1000, &err);
    if (rc) fprintf(stderr, "\n%s\n", err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    rc = corun_cuda_selftest_dynamic_shared(50000, &err);
    if (rc) fprintf(stderr, "\n%s\n", err.msg);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(corun_cuda_selftest_dynamic_shared(60000, &err), CORUN_ENOTSUP);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "232448"));
    /* The attribute itself: the limit, and only that attribute. */
    CU_ASSERT_EQUAL(corun_emu_func_set_attribute((const void *)test_dynamic_shared,
                                                 cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                 300 << 10),
                    cudaErrorInvalidValue);
    CU_ASSERT_PTR_NOT_NULL(strstr(corun_emu_detail(), "the most is 232448"));
    CU_ASSERT_EQUAL(cudaGetLastError(), cudaErrorInvalidValue); /* reported, not sticky */
    CU_ASSERT_EQUAL(cudaGetLastError(), cudaSuccess);
}

static void test_divergent_syncthreads(void) {
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_cuda_selftest_divergence(0, &err), CORUN_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unspecified launch failure"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "__syncthreads reached by 16 of 64 threads"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "st_divergent_sync"));
    /* the device was reset: it works again */
    CU_ASSERT_EQUAL(corun_cuda_selftest_features(64, &err), 0);
}

static void test_divergent_shfl(void) {
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_cuda_selftest_divergence(1, &err), CORUN_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "__shfl_sync(mask 0xffffffff) can never complete"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "lane 5"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "exited"));
}

/* A sticky failure poisons later calls until cudaDeviceReset. */
static void test_sticky(void) {
    corun_err_t err = {0};
    corun_cuda_selftest_divergence(0, &err); /* resets at the end */
    CU_ASSERT_EQUAL(cudaGetLastError(), cudaSuccess);
    CU_ASSERT_EQUAL(cudaDeviceSynchronize(), cudaSuccess);
}

static void test_runtime_api(void) {
    int n = -1, x = 7;
    CU_ASSERT_EQUAL(cudaGetDeviceCount(&n), cudaSuccess);
    CU_ASSERT_EQUAL(n, 1);
    cudaDeviceProp p;
    CU_ASSERT_EQUAL(cudaGetDeviceProperties(&p, 0), cudaSuccess);
    CU_ASSERT_EQUAL(p.warpSize, 32);
    CU_ASSERT_EQUAL(cudaSetDevice(1), cudaErrorInvalidDevice);
    CU_ASSERT_EQUAL(cudaGetLastError(), cudaErrorInvalidDevice);
    CU_ASSERT_EQUAL(cudaGetLastError(), cudaSuccess); /* read and cleared */
    void *d = NULL;
    CU_ASSERT_EQUAL(cudaMalloc(&d, 16), cudaSuccess);
    /* the device side of a copy must lie inside one allocation */
    CU_ASSERT_EQUAL(cudaMemcpy(d, &x, 4, cudaMemcpyHostToDevice), cudaSuccess);
    CU_ASSERT_EQUAL(cudaMemcpy((char *)d + 14, &x, 4, cudaMemcpyHostToDevice),
                    cudaErrorInvalidValue);
    CU_ASSERT_PTR_NOT_NULL(strstr(corun_emu_detail(), "not inside one device allocation"));
    CU_ASSERT_EQUAL(cudaMemcpy(&x, &n, 4, cudaMemcpyDeviceToHost), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(cudaFree(&x), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(cudaFree(d), cudaSuccess);
    cudaGetLastError();
    /* streams and events: everything is complete once issued */
    cudaStream_t s;
    cudaEvent_t a, b;
    CU_ASSERT_EQUAL(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), cudaSuccess);
    CU_ASSERT_EQUAL(cudaEventCreate(&a), cudaSuccess);
    CU_ASSERT_EQUAL(cudaEventCreate(&b), cudaSuccess);
    CU_ASSERT_EQUAL(cudaEventRecord(a, s), cudaSuccess);
    CU_ASSERT_EQUAL(cudaEventRecord(b, s), cudaSuccess);
    CU_ASSERT_EQUAL(cudaEventQuery(b), cudaSuccess);
    float ms = -1;
    CU_ASSERT_EQUAL(cudaEventElapsedTime(&ms, a, b), cudaSuccess);
    CU_ASSERT_TRUE(ms >= 0);
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    cudaStreamDestroy(s);
    /* CUDA_VISIBLE_DEVICES is honoured */
    setenv("CUDA_VISIBLE_DEVICES", "1", 1);
    CU_ASSERT_EQUAL(cudaGetDeviceCount(&n), cudaErrorNoDevice);
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_cuda_devices(NULL, 0, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "CUDA_VISIBLE_DEVICES"));
    unsetenv("CUDA_VISIBLE_DEVICES");
}

/* Under ASan the kernel's write one past a cudaMalloc'd array is caught: the
 * child process dies with ASan's report. Without ASan the write would land
 * in the heap unnoticed, so there is nothing to test. */
static void test_oob_caught(void) {
#if defined(__SANITIZE_ADDRESS__)
    fflush(NULL);
    pid_t pid = fork();
    CU_ASSERT_TRUE_FATAL(pid >= 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, 2); /* the expected report would alarm readers */
        corun_err_t err;
        corun_cuda_selftest_oob(10, &err);
        _exit(0); /* not reached if ASan caught it */
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CU_ASSERT_FALSE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
#else
    printf("(not an ASan build: out-of-bounds detection not tested) ");
#endif
}
#endif

static const test_case_t cases[] = {
    {"require_emulated", test_require_emulated},
#if CORUN_CUDA_EMULATE
    {"features", test_features},
    {"dynamic_shared", test_dynamic_shared},
    {"divergent_syncthreads", test_divergent_syncthreads},
    {"divergent_shfl", test_divergent_shfl},
    {"sticky", test_sticky},
    {"runtime_api", test_runtime_api},
    {"oob_caught", test_oob_caught},
#endif
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda_emu, cases)
