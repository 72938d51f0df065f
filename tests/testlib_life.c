/* testlib_life.c — the test helpers that run a Life backend on a byte grid
 * (testlib.h). Apart from test_main.c so that suites built without the Life
 * library (the aio suites cross-built for AArch64) still link. */
#include <stdio.h>
#include <string.h>

#include "corun/core.h"
#include "life/rule_int.h"
#include "testlib.h"

int test_life_step(const corun_life_backend_t *be, corun_life_cells_t *g,
                   const corun_life_params_t *p, int64_t n, int64_t *pops, corun_err_t *err) {
    corun_life_grid_t packed;
    void *st = NULL;
    int rc = corun_life_grid_init(&packed, g->width, g->height, err);
    if (rc) return rc;
    corun_life_cells_pack(g, &packed);
    rc = be->open(&st, &packed, p, err);
    if (!rc) rc = be->step(st, n, pops, err);
    int crc = be->close(st, rc ? NULL : err);
    if (!rc) rc = crc;
    if (!rc) corun_life_cells_unpack(&packed, g);
    corun_life_grid_close(&packed);
    return rc;
}

int test_life_open(test_life_t *t, const corun_life_backend_t *be, const corun_life_cells_t *init,
                   const corun_life_params_t *p, corun_err_t *err) {
    memset(t, 0, sizeof *t);
    t->be = be;
    int rc = corun_life_grid_init(&t->grid, init->width, init->height, err);
    if (rc) return rc;
    corun_life_cells_pack(init, &t->grid);
    rc = be->open(&t->st, &t->grid, p, err);
    if (rc) corun_life_grid_close(&t->grid);
    return rc;
}

int test_life_read(test_life_t *t, corun_life_cells_t *out, corun_err_t *err) {
    corun_life_grid_t tmp;
    int rc = corun_life_grid_init(&tmp, out->width, out->height, err);
    if (!rc) rc = t->be->get_rows(t->st, 0, out->height, tmp.words, tmp.stride, err);
    if (!rc) corun_life_cells_unpack(&tmp, out);
    corun_life_grid_close(&tmp);
    return rc;
}

const char *test_life_mode(test_life_t *t) {
    static corun_life_info_t info;
    t->be->info(t->st, &info);
    return info.mode;
}

void test_life_close(test_life_t *t) {
    if (t->st) t->be->close(t->st, NULL);
    t->st = NULL;
    corun_life_grid_close(&t->grid);
}

void test_random_hensel(uint64_t seed, int born_from, int minus, char *buf, size_t n) {
    size_t k = 0;
    uint64_t idx = 0;
    for (int part = 0; part < 2 && k + 40 < n; part++) {
        k += (size_t)snprintf(buf + k, n - k, "%s", part ? "/S" : "B");
        for (int c = part ? 0 : born_from; c <= 8; c++) {
            const uint64_t v = corun_rng_u64(seed, idx++);
            const int kind = (int)(v % (minus ? 4 : 3)), nl = corun_life_hensel_letters(c);
            if (kind == 0) continue;
            buf[k++] = (char)('0' + c);
            if (kind == 1 || !nl) continue;
            if (kind == 3) buf[k++] = '-';
            int any = 0;
            for (int l = 0; l < nl; l++)
                if (corun_rng_u64(seed, idx++) & 1) buf[k++] = corun_life_hensel_names(c)[l], any = 1;
            if (!any) buf[k++] = corun_life_hensel_names(c)[0];
        }
    }
    buf[k] = '\0';
}
