/* omp_iso.c — the omp backend's isotropic-rule kernels (omp_iso.h): the
 * list of neighbourhoods built from the rule's table (and the table-lookup
 * kernel's tables, omp_iso_lut.c), the AVX-512 copy of the chunked letter
 * interpreter (omp_iso_rows.h; the avx2 and portable sets interpret in the
 * strip walk of omp_conway_vec.h instead), and the choice between the
 * kernels. */
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"
#include "life/omp_iso.h"
#include "life/rule_int.h"
#include "life_word.h"

#include "life/omp_rows.h"

void omp_iso_prog_build(const corun_life_rule_t *r, omp_iso_prog_t *p) {
    memset(p, 0, sizeof *p);
    int nt = 0;
    for (int alive = 0; alive < 2; alive++) {
        const unsigned cell = alive ? 1u << 4 : 0;
        for (int c = 1; c <= 7; c++) {
            /* The neighbourhoods of count c and which of them give 1. */
            unsigned yes[70], no[70];
            int ny = 0, nn = 0;
            for (unsigned k = 0; k < 512; k++) {
                if ((k & (1u << 4)) != cell || __builtin_popcount(k & 0x1efu) != c) continue;
                if (corun_life_rule_next(r, k)) yes[ny++] = k;
                else no[nn++] = k;
            }
            if (!nn) *(alive ? &p->survive : &p->born) |= 1u << c;
            if (!ny || !nn) continue;
            omp_iso_group_t *gr = &p->group[p->ngroups++];
            gr->sum = (uint8_t)(c + alive);
            gr->alive = (uint8_t)alive;
            gr->negate = nn < ny;
            gr->t0 = nt;
            const unsigned *list = gr->negate ? no : yes;
            gr->nt = gr->negate ? nn : ny;
            for (int i = 0; i < gr->nt; i++) {
                omp_iso_term_t *t = &p->term[nt++];
                /* the live neighbours (c <= 4) or the dead ones (c >= 5) */
                t->neg = c >= 5;
                unsigned want = t->neg ? ~list[i] & 0x1efu : list[i] & 0x1efu;
                for (uint8_t b = 0; b < 9; b++)
                    if (want >> b & 1) t->bit[t->n++] = b;
            }
        }
    }
    omp_iso_lut_build(r, p->table);
    /* counts 0 and 8 have one neighbourhood each: complete or empty */
    for (int alive = 0; alive < 2; alive++)
        for (int c = 0; c <= 8; c += 8) {
            unsigned k = (c ? 0x1efu : 0) | (alive ? 1u << 4 : 0);
            if (corun_life_rule_next(r, k)) *(alive ? &p->survive : &p->born) |= 1u << c;
        }
}

#ifdef OMP_HAVE_X86_COPIES
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq,avx2,bmi2,popcnt,prefer-vector-width=512")
#define OMP_ISO_NAME omp_iso_avx512
#include "life/omp_iso_rows.h"
#undef OMP_ISO_NAME
#pragma GCC pop_options
#endif

omp_block_fn omp_iso_kernel(const char *simd) {
#ifdef OMP_HAVE_X86_COPIES
    /* the avx512 set runs here, so only what the lookup adds is asked */
    if (!strcmp(simd, "avx512") &&
        corun_cpu_has(CORUN_CPU_AVX512_VBMI | CORUN_CPU_AVX512_BITALG))
        return omp_iso_lut_avx512;
    if (!strncmp(simd, "avx512", 6)) return omp_iso_avx512;
    if (!strcmp(simd, "avx2")) return omp_iso_avx2;
#endif
    (void)simd;
    return omp_iso_portable;
}
