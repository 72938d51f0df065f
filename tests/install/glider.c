/* glider.c — a program outside corun, built against an installed corun
 * (tests/install/check.sh builds it with CMake and with pkg-config).
 *
 * It steps a glider on a 32x32 torus with the public API and prints the
 * summary's hash. A glider moves one cell down and right every 4
 * generations, so after 64 it must equal the same glider placed 16 cells
 * further: the program checks that itself, and check.sh checks that the
 * installed `corun life` prints the same hash for the same run.
 *
 *   glider [BACKEND]     (default omp)
 * exit 0 and "hash=<16 hex digits>" on stdout, or 1 with the error. */
#include <corun/config.h>
#include <corun/life.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char glider_cells[] = ".O.\n..O\nOOO\n";
enum { SIZE = 32, AT = 1, STEPS = 64 };

static int fail(const corun_err_t *err) {
    fprintf(stderr, "glider: %s\n", err->msg);
    return 1;
}

/* A SIZE x SIZE grid with the glider's top-left corner at (at, at). */
static int place(corun_life_grid_t *g, const corun_life_pattern_t *p, int64_t at,
                 corun_err_t *err) {
    if (corun_life_grid_init(g, SIZE, SIZE, err)) return -1;
    return corun_life_pattern_place(g, &p->cells, at, at, 0, SIZE, err);
}

int main(int argc, char **argv) {
    corun_err_t err = {0};
    corun_life_pattern_t pat;
    if (corun_life_cells_parse(glider_cells, strlen(glider_cells), "glider", &pat, &err))
        return fail(&err);

    corun_life_params_t params = {0};
    params.boundary = CORUN_LIFE_TORUS;
    params.threads = 2;
    params.device = -1;
    if (corun_life_rule_parse("B3/S23", &params.rule, &err)) return fail(&err);
    const corun_life_backend_t *be = corun_life_backend_find(argc > 1 ? argv[1] : "omp", &err);
    if (!be) return fail(&err);

    corun_life_grid_t g, moved;
    void *state = NULL;
    if (place(&g, &pat, AT, &err) || be->open(&state, &g, &params, &err) ||
        be->step(state, STEPS, NULL, &err) || be->close(state, &err))
        return fail(&err);
    if (place(&moved, &pat, AT + STEPS / 4, &err)) return fail(&err);

    uint64_t hash = corun_life_grid_hash(&g, 0);
    int ok = hash == corun_life_grid_hash(&moved, 0) && corun_life_grid_population(&g, 0) == 5;
    printf("hash=%016" PRIx64 "\n", hash);
    corun_life_grid_close(&g);
    corun_life_grid_close(&moved);
    corun_life_pattern_close(&pat);
    if (!ok) {
        fprintf(stderr, "glider: after %d generations the glider is not 16 cells further\n", STEPS);
        return 1;
    }
    return 0;
}
