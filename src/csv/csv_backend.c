/* csv_backend.c — picks a CSV parsing backend by name. */
#include <string.h>

#include "corun/csv.h"

const corun_csv_backend_t *corun_csv_backend_find(const char *name, corun_err_t *err) {
    if (!name || !strcmp(name, "auto") || !strcmp(name, "omp")) return &corun_csv_backend_omp;
    if (!strcmp(name, "serial")) return &corun_csv_backend_serial;
    if (!strcmp(name, "cuda"))
        return corun_err_set(err, CORUN_ENOTSUP,
                             "backend 'cuda': the CSV kernels are not written yet (docs/CSV.md); "
                             "use omp"),
               NULL;
    corun_err_set(err, CORUN_EINVAL, "backend '%s': expected serial, omp, cuda or auto", name);
    return NULL;
}
