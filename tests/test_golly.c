/* test_golly.c — Golly as the oracle: bgolly (Debian's golly package) and
 * every corun backend step the same random soups and must end with the
 * same pattern. Soups of odd sizes on Golly's bounded grids, torus (:T)
 * and plane (:P, corun's dead boundary), for 30 rules: Conway, other
 * outer-totalistic rules, and isotropic rules in Hensel notation, named
 * and random.
 *
 * B0 rules: Golly never runs them as written (QuickLife.html, "Emulating
 * B0 rules"). With S8 it runs the equivalent rule on the complemented
 * universe (B{8-x : x not in S} / S{8-x : x not in B}) on the cells as
 * given, so its result is corun's on the complemented soup, complemented.
 * Without S8 it alternates two rules so that even generations show the
 * true pattern (dead background). Both are exact on a torus only (on a
 * plane the complemented outside would be alive), so B0 rules are checked
 * on :T, on even step counts. corun writes the soup with its RLE
 * writer (the rule and the bounded-grid suffix in the header), bgolly runs
 * it (`bgolly -m N -o out.rle in.rle`) and corun's RLE reader reads the
 * result back. Golly trims empty border rows and columns when it writes
 * RLE, so the live cells are compared relative to their bounding box.
 * Skipped (exit 77) when bgolly is not installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corun/core.h"
#include "corun/life.h"
#include "testlib.h"

static const char *bgolly(void) {
    static char path[512];
    if (path[0]) return path;
    const char *env = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/bin:/usr/games", env ? env : "");
    for (char *d = strtok(dirs, ":"); d; d = strtok(NULL, ":")) {
        snprintf(path, sizeof path, "%s/bgolly", d);
        if (access(path, X_OK) == 0) return path;
    }
    printf("golly: bgolly not found (Debian package golly; scripts/setup.sh installs it): "
           "skipped\n");
    exit(77);
}

/* The live cells' bounding box: x0, y0, x1, y1 (exclusive); all 0 if none. */
static void bbox(const corun_life_cells_t *c, int64_t b[4]) {
    b[0] = c->width, b[1] = c->height, b[2] = b[3] = 0;
    for (int64_t y = 0; y < c->height; y++)
        for (int64_t x = 0; x < c->width; x++)
            if (c->cells[y * c->width + x]) {
                if (x < b[0]) b[0] = x;
                if (y < b[1]) b[1] = y;
                if (x + 1 > b[2]) b[2] = x + 1;
                if (y + 1 > b[3]) b[3] = y + 1;
            }
    if (!b[2]) b[0] = b[1] = 0;
}

/* corun's grid c equals Golly's trimmed pattern g (NULL: empty). */
static int same_trimmed(const corun_life_cells_t *c, const corun_life_cells_t *g) {
    int64_t b[4];
    bbox(c, b);
    const int64_t w = b[2] - b[0], h = b[3] - b[1];
    if (!g) return w == 0;
    int64_t gb[4];
    bbox(g, gb); /* Golly's header box is the live box already; be safe */
    if (w != gb[2] - gb[0] || h != gb[3] - gb[1]) return 0;
    for (int64_t y = 0; y < h; y++)
        for (int64_t x = 0; x < w; x++)
            if (c->cells[(b[1] + y) * c->width + b[0] + x] !=
                g->cells[(gb[1] + y) * g->width + gb[0] + x])
                return 0;
    return 1;
}

/* Runs bgolly for `steps` on the soup; *out gets its result (cells NULL
 * and 0 returned when the result is empty). Returns -1 on failure. */
static int run_bgolly(const corun_life_cells_t *soup, const corun_life_rule_t *r,
                      corun_life_boundary_t b, int steps, corun_life_pattern_t *out) {
    const char *in = test_tmp_path("golly_in.rle");
    char res[1024];
    snprintf(res, sizeof res, "%s", test_tmp_path("golly_out.rle"));
    corun_life_grid_t g;
    if (corun_life_grid_init(&g, soup->width, soup->height, NULL)) return -1;
    corun_life_cells_pack(soup, &g);
    FILE *f = fopen(in, "w");
    int rc = !f || corun_life_rle_write(f, &g, *r, b, NULL);
    if (f) rc |= fclose(f);
    corun_life_grid_close(&g);
    if (rc) return -1;
    unlink(res);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' -q -q -m %d -o '%s' '%s' >/dev/null 2>&1", bgolly(), steps,
             res, in);
    if (system(cmd) != 0) return -1;
    size_t n = 0;
    char *text = test_slurp(res, &n);
    if (!text) return -1;
    corun_err_t err = {0};
    memset(out, 0, sizeof *out);
    rc = 0;
    if (strstr(text, "x = 0, y = 0")) rc = 1; /* everything died */
    else if (corun_life_rle_parse(text, n, "bgolly output", out, &err)) {
        fprintf(stderr, "\n  bgolly's output unreadable: %s\n%s\n", err.msg, text);
        rc = -1;
    }
    free(text);
    return rc;
}

static const char *const named[] = {
    "B3/S23",       "B36/S23",       "B3678/S34678",  "B2/S",          "B1357/S1357",
    "B35678/S5678", "B234/S",        "B345/S5",       "B34/S34",       "B1/S1",
    "B0/S8",        "B0123478/S01234678", "B01245/S0127", "B2-a/S12", "B3/S23-a",
    "B2i34c/S2-i3", "B2n3/S23-q",    "B3-cnqy/S234w", "B2e3i/S1c23",   "B34kz5e7c8/S23-a4ityz5k",
    "B2ce3aiy/S12k3ai4ce", "B3aei4ek/S2-i3", "B1e2a/S1c2cn", "B2-k3cn/S2-a3-y4",
};
#define NNAMED ((int)(sizeof named / sizeof *named))
#define NRANDOM 6

static void test_golly_oracle(void) {
    static const int64_t sizes[][2] = {{37, 29}, {65, 31}, {23, 47}};
    const corun_life_backend_t *bes[3] = {&corun_life_backend_serial, &corun_life_backend_omp,
                                          corun_life_backend_find("cuda", NULL)};
    /* cuda only where this build opens it (the emulator, or a device) */
    if (bes[2]) {
        corun_life_cells_t c;
        corun_life_cells_init(&c, 8, 8, NULL);
        corun_life_params_t p = {.rule = CORUN_LIFE_RULE_CONWAY, .device = -1};
        if (test_life_step(bes[2], &c, &p, 1, NULL, NULL)) bes[2] = NULL;
        corun_life_cells_close(&c);
    }
    int cases = 0, bad = 0;
    for (int i = 0; i < NNAMED + NRANDOM; i++) {
        char text[128];
        if (i < NNAMED) snprintf(text, sizeof text, "%s", named[i]);
        else test_random_hensel(500 + (uint64_t)i, 2, 0, text, sizeof text); /* births from 2 */
        corun_life_rule_t r;
        CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(text, &r, NULL), 0);
        const int b0 = r.born & 1, inverted = b0 && (r.survive >> 8 & 1);
        for (int bi = 0; bi < (b0 ? 1 : 2); bi++) {
            const corun_life_boundary_t b = bi ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS;
            const int64_t w = sizes[(i + bi) % 3][0], h = sizes[(i + bi) % 3][1];
            const int steps = 2 * (3 + (i + bi) % 5); /* even: B0 rules agree with Golly */
            corun_life_cells_t soup;
            CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&soup, w, h, NULL), 0);
            corun_life_cells_fill_random(&soup, 0.35, corun_rng_u64(31, (uint64_t)(2 * i + bi)));
            corun_life_pattern_t gp;
            int rc = run_bgolly(&soup, &r, b, steps, &gp);
            CU_ASSERT(rc >= 0);
            for (int k = 0; k < 3 && rc >= 0; k++) {
                if (!bes[k]) continue;
                corun_life_cells_t c;
                CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&c, w, h, NULL), 0);
                memcpy(c.cells, soup.cells, (size_t)(w * h));
                corun_life_params_t p = {.rule = r, .boundary = b, .threads = 2, .device = -1};
                for (int64_t q = 0; inverted && q < w * h; q++) c.cells[q] ^= 1;
                CU_ASSERT_EQUAL(test_life_step(bes[k], &c, &p, steps, NULL, NULL), 0);
                for (int64_t q = 0; inverted && q < w * h; q++) c.cells[q] ^= 1;
                if (!same_trimmed(&c, rc ? NULL : &gp.cells)) {
                    char name[CORUN_LIFE_RULE_TEXT_MAX];
                    corun_life_rule_format(r, name, sizeof name);
                    fprintf(stderr, "\n  %s differs from bgolly: %s:%c%lld,%lld, %d steps\n",
                            bes[k]->name, name, bi ? 'P' : 'T', (long long)w, (long long)h,
                            steps);
                    bad++;
                }
                cases++;
                corun_life_cells_close(&c);
            }
            if (rc == 0) corun_life_pattern_close(&gp);
            corun_life_cells_close(&soup);
        }
    }
    CU_ASSERT(cases >= 2 * (2 * 27 + 3)); /* serial and omp at least; B0 rules torus only */
    CU_ASSERT_EQUAL(bad, 0);
}

/* The canonical names corun prints are Golly's: bgolly echoes the rule it
 * read in its output's header. */
static void test_golly_names(void) {
    static const char *const in[] = {"B2nic/S", "B2ceikn/S", "B4-qjrtwz/S", "B2aceikn3/S",
                                     "B2-3/S",  "S12/B2-a",  "12/2-a",      "B2A/S12",
                                     "b3/s23-a", "B2i34c/S2-i3"};
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        corun_life_rule_t r;
        CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse(in[i], &r, NULL), 0);
        char ours[CORUN_LIFE_RULE_TEXT_MAX];
        corun_life_rule_format(r, ours, sizeof ours);
        const char *src = test_write_tmp("golly_name.rle", "x = 1, y = 1\no!\n");
        char res[1024], cmd[4096];
        snprintf(res, sizeof res, "%s", test_tmp_path("golly_name_out.rle"));
        unlink(res);
        snprintf(cmd, sizeof cmd, "'%s' -q -q -m 0 -r '%s' -o '%s' '%s' >/dev/null 2>&1",
                 bgolly(), in[i], res, src);
        CU_ASSERT_EQUAL(system(cmd), 0);
        size_t n = 0;
        char *text = test_slurp(res, &n);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        char want[256] = "";
        const char *p = strstr(text, "rule = ");
        if (p) sscanf(p + 7, "%255[^\n]", want);
        if (strcmp(ours, want)) fprintf(stderr, "\n  %s: corun %s, bgolly %s\n", in[i], ours, want);
        CU_ASSERT_STRING_EQUAL(ours, want);
        free(text);
    }
}

static const test_case_t cases[] = {
    {"30 rules x torus/plane x serial, omp, cuda: the pattern bgolly ends with",
     test_golly_oracle},
    {"canonical rule names as bgolly prints them", test_golly_names},
    {NULL, NULL},
};
CORUN_TEST_SUITE(golly, cases)
