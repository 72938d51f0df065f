/* fib.c — what the Fibonacci backends share: algorithm names, the input
 * limit, the largest-first schedule, results, and lookup by name. */
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "fib/fib_int.h"

const char *corun_fib_algo_name(corun_fib_algo_t a) {
    return a == CORUN_FIB_LINEAR ? "linear" : "doubling";
}

int corun_fib_algo_parse(const char *s, corun_fib_algo_t *out, corun_err_t *err) {
    if (s && !strcmp(s, "linear")) *out = CORUN_FIB_LINEAR;
    else if (s && !strcmp(s, "doubling")) *out = CORUN_FIB_DOUBLING;
    else
        return corun_err_set(err, CORUN_EINVAL, "algo: '%s' is not linear or doubling",
                             s ? s : "");
    return 0;
}

int corun_fib_compute(mpz_t out, uint64_t n, corun_fib_algo_t algo, int threads,
                      corun_err_t *err) {
    return algo == CORUN_FIB_LINEAR ? corun_fib_linear(out, n, threads, err)
                                    : corun_fib_doubling(out, n, threads, err);
}

/* GMP keeps an mpz's size in an int of limbs: F(n) must stay below
 * INT_MAX * 64 bits, with room for the doubling's squares (twice that). */
#define GMP_N_MAX UINT64_C(90000000000)

/* Bytes per unit of n that one task holds at its peak: the result (0.087 B),
 * the doubling's two operands and two squares (~0.35 B) or the linear's
 * three limb arrays (0.28 B), then the decimal string and the conversion's
 * copies (0.21 B each, up to 3). Rounded up to leave the system room. */
#define BYTES_PER_N 2.0

uint64_t corun_fib_n_max(size_t concurrent) {
    if (concurrent < 1) concurrent = 1;
    uint64_t mem = corun_mem_available();
    if (mem == 0) return GMP_N_MAX; /* unknown: only GMP's limit */
    double lim = (double)mem / (BYTES_PER_N * (double)concurrent);
    return lim < (double)GMP_N_MAX ? (uint64_t)lim : GMP_N_MAX;
}

int corun_fib_check_n(uint64_t n, size_t concurrent, corun_err_t *err) {
    uint64_t max = corun_fib_n_max(concurrent);
    if (n <= max) return 0;
    if (max == GMP_N_MAX)
        return corun_err_set(err, CORUN_ERANGE,
                             "n=%llu: above the limit %llu (GMP's largest integers)",
                             (unsigned long long)n, (unsigned long long)max);
    return corun_err_set(err, CORUN_ERANGE,
                         "n=%llu: above the limit %llu for this machine: F(n) and its decimal "
                         "string need about %.1f GB per task, %zu task(s) at once, and %.1f GB "
                         "are available (use a smaller n or fewer threads)",
                         (unsigned long long)n, (unsigned long long)max,
                         BYTES_PER_N * (double)n / 1e9, concurrent < 1 ? (size_t)1 : concurrent,
                         (double)corun_mem_available() / 1e9);
}

void corun_fib_schedule(const uint64_t *n, size_t ntasks, size_t *order) {
    /* Insertion sort, stable: batches are small (tasks, not numbers). */
    for (size_t i = 0; i < ntasks; i++) {
        size_t j = i;
        while (j > 0 && n[order[j - 1]] < n[i]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

void corun_fib_result_free(corun_fib_result_t *r) {
    if (!r) return;
    mpz_clear(r->value);
    free(r);
}

const corun_fib_backend_t *corun_fib_backend_find(const char *name, corun_err_t *err) {
    if (name && !strcmp(name, "serial")) return &corun_fib_backend_serial;
    if (name && (!strcmp(name, "omp") || !strcmp(name, "auto"))) return &corun_fib_backend_omp;
#if CORUN_CUDA_BACKEND
    if (name && !strcmp(name, "cuda")) return &corun_fib_backend_cuda;
#else
    if (name && !strcmp(name, "cuda")) {
        corun_err_set(err, CORUN_ENOTSUP,
                      "backend 'cuda': this corun was built without the cuda backend "
                      "(configure with -DCORUN_CUDA=ON with the CUDA Toolkit, or EMULATE); "
                      "use serial, omp or auto");
        return NULL;
    }
#endif
    corun_err_set(err, CORUN_EINVAL, "backend '%s': expected serial, omp, cuda or auto",
                  name ? name : "");
    return NULL;
}
