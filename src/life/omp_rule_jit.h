/* omp_rule_jit.h — outer-totalistic rules compiled at run time for the
 * AVX-512 row kernels (omp_rule_jit.c says why and how). */
#ifndef CORUN_OMP_RULE_JIT_H
#define CORUN_OMP_RULE_JIT_H

#include <stddef.h>
#include <stdint.h>

#include "life_word.h"

/* The function for rule tables t (corun_life_rule_tables), built on first
 * use and kept; NULL where none can be built (not x86-64 Linux, executable
 * memory refused, CORUN_OMP_JIT=0, too many rules): the caller then calls
 * omp_rule_switch (omp_rule_switch_x86_64.S). Thread-safe. */
const void *omp_rule_jit(corun_life_rule_tables_t t);

/* on = 0: omp_rule_jit returns NULL from now on (as with CORUN_OMP_JIT=0),
 * so the kernels call omp_rule_switch; on = 1: builds again. For the
 * tests, which run both paths in one process. */
void omp_rule_jit_enable(int on);

#endif
