/* omp_tuning.h — the omp Life backend's tuning knobs
 * (corun_life_params_t.omp_tuning), for tests, benchmarks and the CLI's
 * CORUN_OMP_SIMD override. Not part of the public API: life.h only names the
 * struct.
 *
 * The backend never keeps a copy beyond omp_open(): the plan it makes there
 * (omp_plan(), omp_int.h) holds every choice. Zero fields mean "the built-in
 * default".
 */
#ifndef CORUN_LIFE_OMP_TUNING_H
#define CORUN_LIFE_OMP_TUNING_H

#include <stdint.h>

typedef struct corun_life_omp_tuning {
    const char *simd;        /* kernel set: "portable", "avx2", "avx512", "avx512-autovec";
                              * one the CPU cannot run falls back to the fastest it can */
    int64_t tblock_bytes;    /* temporal blocking when one generation needs more bytes */
    int tblock_off;          /* 1: never block in time */
    int perm_off;            /* 1: rows in word order even where lane-strided applies */
    int levels;              /* generations per pass when blocking */
    int band_rows;           /* rows per band when blocking */
    int tile_words;          /* change tracking: tile width in words */
    int tile_rows;           /* change tracking: tile height in rows */
    int64_t words_per_thread; /* fewer threads if a thread would get fewer words */
    double tiles_enter, tiles_leave; /* skip_stable=auto: fractions of tiles needed
                                      * below which tiles are entered / above
                                      * which they are left */
} corun_life_omp_tuning_t;

#endif
