/* csv_backend.c — picks a CSV parsing backend by name. */
#include <string.h>

#include "corun/csv.h"
#include "corun/cuda.h"

const corun_csv_backend_t *corun_csv_backend_find(const char *name, corun_err_t *err) {
    if (!name || !strcmp(name, "auto")) {
#if CORUN_CUDA_BACKEND
        /* A real GPU if one is visible. The emulator is a correctness tool,
         * far slower than omp, so never chosen here (as for life). */
        corun_cuda_device_t d;
        if (corun_cuda_build() == CORUN_CUDA_BUILD_DEVICE && corun_cuda_devices(&d, 1, NULL) > 0)
            return &corun_csv_backend_cuda;
#endif
        return &corun_csv_backend_omp;
    }
    if (!strcmp(name, "omp")) return &corun_csv_backend_omp;
    if (!strcmp(name, "serial")) return &corun_csv_backend_serial;
#if CORUN_CUDA_BACKEND
    if (!strcmp(name, "cuda")) return &corun_csv_backend_cuda;
#else
    if (!strcmp(name, "cuda"))
        return corun_err_set(err, CORUN_ENOTSUP, "backend 'cuda': %s", corun_cuda_build_desc()),
               NULL;
#endif
    corun_err_set(err, CORUN_EINVAL, "backend '%s': expected serial, omp, cuda or auto", name);
    return NULL;
}
