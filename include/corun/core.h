/* core.h — small shared utilities: hashing, counter-based randomness, timing,
 * strict number parsing and memory checks.
 *
 * Everything here is thread-safe and allocation-free unless stated. Parsers
 * never accept trailing garbage, overflow or an empty string: a batch job with
 * a typo must fail, not run something else.
 */
#ifndef CORUN_CORE_H
#define CORUN_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "corun/err.h"

#define CORUN_VERSION "0.1.0"

/* Exit codes of the corun program (documented in docs/CLI.md). */
enum corun_exit {
    CORUN_EXIT_OK = 0,
    CORUN_EXIT_FAILURE = 1, /* run-time failure */
    CORUN_EXIT_USAGE = 2,   /* bad usage or bad input */
    CORUN_EXIT_SIGNAL = 3   /* stopped by a signal after writing a checkpoint */
};

/* ---- hashing: FNV-1a 64 ---- */
#define CORUN_FNV1A64_INIT UINT64_C(0xcbf29ce484222325)
CORUN_API uint64_t corun_fnv1a64(uint64_t h, const void *data, size_t n);

/* ---- counter-based randomness: the value depends only on (seed, index) ---- */
CORUN_API uint64_t corun_rng_u64(uint64_t seed, uint64_t index);

/* ---- timing ---- */
CORUN_API double corun_now(void); /* monotonic seconds */
CORUN_API double corun_thread_cpu(void); /* CPU seconds of the calling thread */

/* ---- strict parsing (whole string, base 10, no overflow) ---- */
CORUN_API int corun_parse_i64(const char *s, int64_t *out);
CORUN_API int corun_parse_u64(const char *s, uint64_t *out);
CORUN_API int corun_parse_double(const char *s, double *out);
/* "WxH" (also "WXH"), both >= 1. */
CORUN_API int corun_parse_size(const char *s, int64_t *w, int64_t *h);
/* "X,Y", both >= 0. */
CORUN_API int corun_parse_xy(const char *s, int64_t *x, int64_t *y);

/* ---- input files ---- */
/* Reads the whole file at path into *out (malloc'd, NUL-terminated; *len
 * excludes the NUL). Only a regular file of at most max_bytes is read:
 * anything else (a device, a FIFO, a directory) and a larger file are errors
 * naming the file and, with `what` (e.g. "pattern file"), the rule; nothing
 * is read from them. */
CORUN_API int corun_file_read_all(const char *path, const char *what, size_t max_bytes,
                                  char **out, size_t *len, corun_err_t *err);

/* Replaces the file at path with len bytes of data, atomically: written
 * whole under a temporary name in the same folder, then renamed over path,
 * so a reader (or a crash) sees the old file or the new one, never a part.
 * Errors name the path and the OS reason. */
CORUN_API int corun_file_replace(const char *path, const char *data, size_t len,
                                 corun_err_t *err);
/* Whether an existing output may be replaced (--force): 0 when path does
 * not exist or is (a link to) a regular file; else an error naming what it
 * is. Renaming over a device, FIFO or socket would take it out of its
 * folder (as root: /dev/null), which no output option should do. */
CORUN_API int corun_file_replaceable(const char *path, corun_err_t *err);

/* ---- threads ---- */
/* The default thread count (what threads=0 means): OMP_NUM_THREADS if set,
 * else SLURM_CPUS_PER_TASK inside a Slurm job, else OpenMP's default (the
 * CPUs this process may run on); _source names which one applied
 * ("OMP_NUM_THREADS", "SLURM_CPUS_PER_TASK" or "cores"). The CPU's SIMD
 * level as a short name ("avx512", "avx2", "sse2", "generic"). */
CORUN_API int corun_default_threads(void);
CORUN_API const char *corun_default_threads_source(void);
/* The most threads corun uses (--threads, OMP_NUM_THREADS, SLURM_CPUS_PER_TASK). */
#define CORUN_THREADS_MAX 4096
/* Checks OMP_NUM_THREADS (a count or a comma list of counts, each
 * 1..CORUN_THREADS_MAX) where set and not empty, else SLURM_CPUS_PER_TASK
 * (one count) where set and not empty; the error names the variable and its value. The library itself
 * ignores or clamps values that fail (see corun_default_threads); a program
 * should refuse to run with them. */
CORUN_API int corun_threads_env_check(corun_err_t *err);
CORUN_API const char *corun_cpu_simd(void);

/* The Slurm job this process runs in, for people: "JOBID", or
 * "ARRAYJOB_TASK (job JOBID)" for an array task. Returns 0 (and "") outside
 * Slurm (no SLURM_JOB_ID). */
CORUN_API int corun_slurm_job(char *buf, size_t n);

/* ---- CPU features ---- */
/* The instruction-set extensions this CPU (and OS) supports, detected once;
 * the one source for every run-time SIMD dispatch. One bit per extension;
 * a code path built for several tests them all: corun_cpu_has(mask). */
#define CORUN_CPU_POPCNT            (1u << 0)
#define CORUN_CPU_BMI               (1u << 1)
#define CORUN_CPU_BMI2              (1u << 2)
#define CORUN_CPU_AVX2              (1u << 3)
#define CORUN_CPU_AVX512F           (1u << 4)
#define CORUN_CPU_AVX512BW          (1u << 5)
#define CORUN_CPU_AVX512VL          (1u << 6)
#define CORUN_CPU_AVX512DQ          (1u << 7)
#define CORUN_CPU_AVX512_VPOPCNTDQ  (1u << 8)
#define CORUN_CPU_AVX512_VBMI2      (1u << 9)
#define CORUN_CPU_AVX512_VBMI       (1u << 10)
#define CORUN_CPU_AVX512_BITALG     (1u << 11)
#define CORUN_CPU_DETECTED          (1u << 31) /* internal: detection has run */
/* "AVX-512" as the kernels mean it: the Skylake-SP set, F + BW + VL + DQ. */
#define CORUN_CPU_AVX512                                                                  \
    (CORUN_CPU_AVX512F | CORUN_CPU_AVX512BW | CORUN_CPU_AVX512VL | CORUN_CPU_AVX512DQ)
CORUN_API unsigned corun_cpu_features(void);
/* 1 iff the CPU has every feature in mask. */
static inline int corun_cpu_has(unsigned mask) { return (corun_cpu_features() & mask) == mask; }

/* ---- memory ---- */
/* corun_mem_limit(NULL): what every memory check compares with. */
CORUN_API uint64_t corun_mem_available(void);
/* Bytes this process may still allocate: the smallest of MemAvailable, the
 * cgroup's memory limit less its usage, and RLIMIT_AS/RLIMIT_DATA (0 if
 * none is known); *which (if not NULL) names the limit that applied. */
CORUN_API uint64_t corun_mem_limit(const char **which);

#endif
