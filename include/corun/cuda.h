/* cuda.h — what corun's CUDA side was built as and which devices it sees.
 *
 * Plain C, no CUDA headers: generic code (the CLI, the backend table) asks
 * here instead of calling the CUDA runtime. The answers come from
 * kernels/life_cuda.cu when the cuda backend is built (against the real
 * runtime or the emulator, see docs/CUDA.md) and from
 * src/life/step_cuda_stub.c when it is not.
 *
 * Never crashes on a machine without a GPU or driver: the CUDA runtime is
 * linked statically and reports the missing driver as an error, which comes
 * back here as a message saying why no device was found.
 */
#ifndef CORUN_CUDA_H
#define CORUN_CUDA_H

#include <stddef.h>

#include "corun/err.h"

typedef enum corun_cuda_build {
    CORUN_CUDA_BUILD_NONE = 0,    /* no cuda backend (CORUN_CUDA=OFF or no nvcc) */
    CORUN_CUDA_BUILD_DEVICE = 1,  /* compiled by nvcc, runs on NVIDIA GPUs */
    CORUN_CUDA_BUILD_EMULATED = 2 /* the same sources on corun's CPU emulator */
} corun_cuda_build_t;

typedef struct corun_cuda_device {
    int index;             /* as --device takes it (after CUDA_VISIBLE_DEVICES) */
    char name[256];
    int major, minor;      /* compute capability */
    int sms;               /* multiprocessors */
    size_t global_mem;     /* bytes */
    int bus_width;         /* memory bus, bits (0 if unknown) */
    int emulated;
} corun_cuda_device_t;

CORUN_API corun_cuda_build_t corun_cuda_build(void);
/* "device (sm_80 sm_90 ...)", "emulated", "not built": for `corun info`. */
CORUN_API const char *corun_cuda_build_desc(void);

/* Fills up to max entries of out with the visible devices and returns how
 * many there are (>= 0, may exceed max). With none, returns 0 and, if err is
 * not NULL, says why in err->msg (not built, no driver, CUDA_VISIBLE_DEVICES,
 * the runtime's message) with err->code CORUN_ENOTSUP. */
CORUN_API int corun_cuda_devices(corun_cuda_device_t *out, int max, corun_err_t *err);

#endif
