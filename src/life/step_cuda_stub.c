/* step_cuda_stub.c — the CUDA entry points of include/corun/cuda.h in a build
 * without the cuda backend (CORUN_CUDA=OFF, or AUTO without nvcc), so that
 * generic code can ask without #ifdefs. With the backend, kernels/life_cuda.cu
 * defines them and this file compiles to nothing. */
#include <string.h>

#include "corun/cuda.h"

#if !CORUN_CUDA_BACKEND
corun_cuda_build_t corun_cuda_build(void) { return CORUN_CUDA_BUILD_NONE; }

const char *corun_cuda_build_desc(void) {
    if (!strcmp(CORUN_CUDA_OPTION, "OFF"))
        return "not built (configured with -DCORUN_CUDA=OFF; -DCORUN_CUDA=EMULATE runs it on the CPU)";
    return CORUN_HAVE_CUDA_COMPILER ? "not built (nvcc was found but not used)"
                                    : "not built (no nvcc found; -DCORUN_CUDA=EMULATE runs it on the CPU)";
}

int corun_cuda_devices(corun_cuda_device_t *out, int max, corun_err_t *err) {
    (void)out;
    (void)max;
    corun_err_set(err, CORUN_ENOTSUP,
                  "this corun was built without the cuda backend (configure with "
                  "-DCORUN_CUDA=ON on a machine with the CUDA Toolkit, or EMULATE)");
    return 0;
}
#else
typedef int corun_cuda_stub_unused_t; /* ISO C: no empty translation unit */
#endif
