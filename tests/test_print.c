/* test_print.c — the seed's ColumnPrinter (corun_life_print_columns) and
 * `corun life --print`, compared byte for byte with what the seed's Python
 * prints. The expected texts below were produced by running the seed's own
 * code (003, item 56: Grid, simulate, ColumnPrinter, print(columns)) with
 * python3 and pasting its output here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corun/life.h"
#include "testlib.h"

/* print(columns) of the seed: the 9x5 grid (Grid(5, 9)) with (y,x) = (0,3),
 * (1,4), (2,2), (2,3), (2,4) alive, generations 0..4. */
static const char seed_output[] =
    "    0     |     1     |     2     |     3     |     4    \n"
    "---*----- | --------- | --------- | --------- | ---------\n"
    "----*---- | --*-*---- | ----*---- | ---*----- | ----*----\n"
    "--***---- | ---**---- | --*-*---- | ----**--- | -----*---\n"
    "--------- | ---*----- | ---**---- | ---**---- | ---***---\n"
    "--------- | --------- | --------- | --------- | ---------\n";

/* Runs corun with the extra arguments and checks stdout, minus its last line
 * (the summary), against the seed's output. */
static void check_cli(const char *backend) {
    char path[512], out[8192], err[8192];
    snprintf(path, sizeof path, "%s/seed_glider.cells", test_data_dir());
    const char *argv[] = {"corun", "life", "--init", path, "--steps", "4", "--print", "--quiet",
                          backend ? "--backend" : NULL, backend, NULL};
    int rc = test_run_corun(argv, out, sizeof out, err, sizeof err);
    if (rc) fprintf(stderr, "\n  corun exited with %d: %s\n", rc, err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    size_t n = strlen(out);
    CU_ASSERT_FATAL(n > 0 && out[n - 1] == '\n');
    out[n - 1] = '\0';
    char *last = strrchr(out, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(last);
    CU_ASSERT_EQUAL(strncmp(last + 1, "backend=", 8), 0); /* the summary is last */
    CU_ASSERT_PTR_NOT_NULL(strstr(last + 1, "population=5 "));
    last[1] = '\0';
    CU_ASSERT_STRING_EQUAL(out, seed_output);
}

static void test_seed_example_cli(void) {
    check_cli("serial");
    check_cli(NULL); /* the default backend too */
}

/* Prints frames[0..n) of a w x h grid where frame i has only cell i % (w*h)
 * (row-major) alive, and compares with the seed's ColumnPrinter output. */
static void check_frames(int64_t w, int64_t h, int n, const char *want) {
    corun_life_cells_t *frames = calloc((size_t)n, sizeof *frames);
    CU_ASSERT_PTR_NOT_NULL_FATAL(frames);
    for (int i = 0; i < n; i++) {
        CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&frames[i], w, h, NULL), 0);
        frames[i].cells[i % (w * h)] = 1;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(corun_life_print_columns(f, frames, n), 0);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, want);
    free(buf);
    for (int i = 0; i < n; i++) corun_life_cells_close(&frames[i]);
    free(frames);
}

static void test_many_frames(void) {
    /* Two-digit generation numbers make the header wider than the column:
     * the seed does not re-align, and neither do we. */
    check_frames(3, 2, 12,
                 " 0  |  1  |  2  |  3  |  4  |  5  |  6  |  7  |  8  |  9  |  10  |  11 \n"
                 "*-- | -*- | --* | --- | --- | --- | *-- | -*- | --* | --- | --- | ---\n"
                 "--- | --- | --- | *-- | -*- | --* | --- | --- | --- | *-- | -*- | --*\n");
    /* Even width: padding is width // 2 on both sides. */
    check_frames(4, 1, 11,
                 "  0   |   1   |   2   |   3   |   4   |   5   |   6   |   7   |   8   |   9   "
                 "|   10  \n"
                 "*--- | -*-- | --*- | ---* | *--- | -*-- | --*- | ---* | *--- | -*-- | --*-\n");
    check_frames(1, 1, 1, "0\n*\n");
}

static const test_case_t cases[] = {
    {"seed example byte-identical (corun life --print)", test_seed_example_cli},
    {"12 and 11 frames: two-digit headers", test_many_frames},
    {NULL, NULL},
};
CORUN_TEST_SUITE(print, cases)
