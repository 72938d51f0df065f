/* backend.c — the table of Life backends, lookup by name, and what the
 * backends share (the row hooks' argument check). */
#include <string.h>

#include "corun/cuda.h"
#include "corun/life.h"

static const corun_life_backend_t *const backends[] = {
    &corun_life_backend_serial,
    &corun_life_backend_omp,
#if CORUN_CUDA_BACKEND
    &corun_life_backend_cuda,
#endif
};

int corun_life_backends(const corun_life_backend_t *const **list) {
    *list = backends;
    return (int)(sizeof backends / sizeof backends[0]);
}

int corun_life_rows_check(const char *who, int64_t height, int64_t y0, int64_t n,
                          corun_err_t *err) {
    if (y0 < 0 || n < 0 || y0 + n > height)
        return corun_err_set(err, CORUN_EINVAL, "%s: rows %lld..%lld outside 0..%lld", who,
                             (long long)y0, (long long)(y0 + n - 1), (long long)height - 1);
    return 0;
}

const corun_life_backend_t *corun_life_backend_find(const char *name, corun_err_t *err) {
    if (name && strcmp(name, "auto") == 0) {
#if CORUN_CUDA_BACKEND
        /* The fastest: a real GPU if one is visible. The emulator is a
         * correctness tool, far slower than omp, so never chosen here. */
        corun_cuda_device_t d;
        if (corun_cuda_build() == CORUN_CUDA_BUILD_DEVICE && corun_cuda_devices(&d, 1, NULL) > 0)
            return &corun_life_backend_cuda;
#endif
        return &corun_life_backend_omp;
    }
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (name && strcmp(name, backends[i]->name) == 0) return backends[i];
    if (name && strcmp(name, "cuda") == 0)
        return corun_err_set(err, CORUN_ENOTSUP, "backend 'cuda': %s", corun_cuda_build_desc()),
               NULL;
    corun_err_set(err, CORUN_EINVAL, "backend '%s': expected serial, omp, cuda or auto",
                  name ? name : "");
    return NULL;
}
