/* backend.c — the table of Life backends and lookup by name. */
#include <string.h>

#include "corun/life.h"

static const corun_life_backend_t *const backends[] = {
    &corun_life_backend_serial,
    &corun_life_backend_omp,
};

const corun_life_backend_t *corun_life_backend_find(const char *name, corun_err_t *err) {
    /* auto: the fastest backend compiled in (omp until the CUDA issue lands). */
    if (name && strcmp(name, "auto") == 0) return &corun_life_backend_omp;
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (name && strcmp(name, backends[i]->name) == 0) return backends[i];
    corun_err_set(err, CORUN_EINVAL, "backend '%s': expected serial, omp or auto",
                  name ? name : "");
    return NULL;
}
