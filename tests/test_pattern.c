/* test_pattern.c — pattern files: RLE and .cells parsing from strings and
 * files, the RLE writer (round trip, line length, Golly's :T/:P suffix),
 * atomic save, placement, bad files rejected with file and line, and the
 * `corun life --init FILE` path of the program. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/life.h"
#include "testlib.h"

/* The glider of the seed, 3x3: .O. / ..O / OOO */
static const uint8_t glider_cells[9] = {0, 1, 0, 0, 0, 1, 1, 1, 1};

static void data_path(char *buf, size_t n, const char *file) {
    snprintf(buf, n, "%s/%s", test_data_dir(), file);
}

static int same_cells(const corun_life_cells_t *a, const corun_life_cells_t *b) {
    return a->width == b->width && a->height == b->height &&
           !memcmp(a->cells, b->cells, (size_t)(a->width * a->height));
}

/* ------------------------------------------------------------- RLE strings */

static void test_rle_parse_string(void) {
    const char *t = "#N Glider\n#C comment\nx = 3, y = 3, rule = B3/S23\nbo$2bo$3o!\n";
    corun_life_pattern_t p;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_life_rle_parse(t, strlen(t), "s", &p, &err), 0);
    CU_ASSERT_EQUAL(p.cells.width, 3);
    CU_ASSERT_EQUAL(p.cells.height, 3);
    CU_ASSERT_EQUAL(memcmp(p.cells.cells, glider_cells, 9), 0);
    CU_ASSERT_TRUE(p.has_rule);
    CU_ASSERT_EQUAL(p.rule.born, CORUN_LIFE_RULE_CONWAY.born);
    CU_ASSERT_EQUAL(p.rule.survive, CORUN_LIFE_RULE_CONWAY.survive);
    CU_ASSERT_FALSE(p.has_bounded);
    corun_life_pattern_close(&p);
}

static void test_rle_syntax_variants(void) {
    corun_life_pattern_t p;
    corun_err_t err = {0};
    /* No spaces, no rule, runs over several lines, "$" runs, comments in
     * the data, CRLF line ends, '.'/'A' cells, text after '!'. */
    const char *t = "#CXRLE Pos=0,0\r\nx=4,y=5\r\n2o\r\n$\r\n#C mid\r\n"
                    "2$b\r\n3o!junk $$ q\r\nmore junk\r\n";
    CU_ASSERT_EQUAL_FATAL(corun_life_rle_parse(t, strlen(t), "v", &p, &err), 0);
    CU_ASSERT_FALSE(p.has_rule);
    const uint8_t want[20] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0};
    CU_ASSERT_EQUAL(memcmp(p.cells.cells, want, 20), 0);
    corun_life_pattern_close(&p);

    const char *u = "x = 2, y = 2, rule = B36/S23\n.A$A.!";
    CU_ASSERT_EQUAL_FATAL(corun_life_rle_parse(u, strlen(u), "u", &p, &err), 0);
    const uint8_t want2[4] = {0, 1, 1, 0};
    CU_ASSERT_EQUAL(memcmp(p.cells.cells, want2, 4), 0);
    CU_ASSERT_EQUAL(p.rule.born, (1u << 3) | (1u << 6));
    corun_life_pattern_close(&p);

    /* A trailing "$" before '!' (some writers emit it) is accepted. */
    const char *v = "x = 1, y = 1\no$!";
    CU_ASSERT_EQUAL(corun_life_rle_parse(v, strlen(v), "v", &p, &err), 0);
    corun_life_pattern_close(&p);
}

static void test_rle_golly_suffix(void) {
    corun_life_pattern_t p;
    corun_err_t err = {0};
    const char *t = "x = 3, y = 3, rule = B3/S23:T2048,1024\nbo$2bo$3o!";
    CU_ASSERT_EQUAL_FATAL(corun_life_rle_parse(t, strlen(t), "t", &p, &err), 0);
    CU_ASSERT_TRUE(p.has_bounded);
    CU_ASSERT_EQUAL(p.boundary, CORUN_LIFE_TORUS);
    CU_ASSERT_EQUAL(p.bounded_w, 2048);
    CU_ASSERT_EQUAL(p.bounded_h, 1024);
    CU_ASSERT_EQUAL(p.cells.width, 3);
    corun_life_pattern_close(&p);

    const char *u = "x = 3, y = 3, rule = B3/S23:P30,20\nbo$2bo$3o!";
    CU_ASSERT_EQUAL_FATAL(corun_life_rle_parse(u, strlen(u), "u", &p, &err), 0);
    CU_ASSERT_TRUE(p.has_bounded);
    CU_ASSERT_EQUAL(p.boundary, CORUN_LIFE_DEAD);
    CU_ASSERT_EQUAL(p.bounded_w, 30);
    CU_ASSERT_EQUAL(p.bounded_h, 20);
    corun_life_pattern_close(&p);

    /* Golly: a single dimension means a square grid. */
    const char *v = "x = 3, y = 3, rule = B3/S23:T40\nbo$2bo$3o!";
    CU_ASSERT_EQUAL_FATAL(corun_life_rle_parse(v, strlen(v), "v", &p, &err), 0);
    CU_ASSERT_EQUAL(p.bounded_w, 40);
    CU_ASSERT_EQUAL(p.bounded_h, 40);
    corun_life_pattern_close(&p);

    /* Infinite, twisted and non-torus topologies are refused. */
    const char *bad[] = {"x=1,y=1,rule=B3/S23:T0,10\no!", "x=1,y=1,rule=B3/S23:T10,0\no!",
                         "x=1,y=1,rule=B3/S23:K10,10\no!", "x=1,y=1,rule=B3/S23:T10+2,10\no!",
                         "x=1,y=1,rule=B3/S23:T\no!"};
    const char *why[] = {"corun grids are finite", "corun grids are finite", "only the torus",
                         "not supported", "expected a width"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CU_ASSERT_NOT_EQUAL(corun_life_rle_parse(bad[i], strlen(bad[i]), "g", &p, &err), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "g:1:"));
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, why[i]));
        CU_ASSERT_PTR_NULL(p.cells.cells);
    }
}

/* Parses `text` and compares its cells with the rows of `want` ('o' alive,
 * anything else dead; all rows as wide as the pattern). */
static void rle_cells(const char *text, const char *const *want, int64_t w, int64_t h) {
    corun_life_pattern_t p;
    corun_err_t err = {0};
    int rc = corun_life_rle_parse(text, strlen(text), "str.rle", &p, &err);
    if (rc) fprintf(stderr, "\n  unexpected error for %s: %s\n", text, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_EQUAL(p.cells.width, w);
    CU_ASSERT_EQUAL(p.cells.height, h);
    int same = p.cells.width == w && p.cells.height == h;
    for (int64_t y = 0; same && y < h; y++)
        for (int64_t x = 0; x < w; x++)
            if (*corun_life_cell(&p.cells, x, y) != (want[y][x] == 'o')) same = 0;
    if (!same) fprintf(stderr, "\n  cells differ for %s\n", text);
    CU_ASSERT_TRUE(same);
    corun_life_pattern_close(&p);
}

/* A run count split by line breaks is joined, as bgolly 3.3 reads it
 * (`bgolly -m 0 -o out.rle in.rle` writes the joined count); the pending
 * digits are never dropped. */
static void test_rle_split_counts(void) {
    const char *eleven[] = {"ooooooooooo."};
    rle_cells("x = 12, y = 1\n1\n1o!", eleven, 12, 1);
    rle_cells("x = 12, y = 1\r\n1\r\n1o!\r\n", eleven, 12, 1);
    rle_cells("x = 12, y = 1\r1\r1o!\r", eleven, 12, 1); /* lone CR line ends */
    rle_cells("x = 12, y = 1\n1\n\n1o!", eleven, 12, 1); /* across a blank line */
    rle_cells("x = 12, y = 1\n1\n#C c\n1o!", eleven, 12, 1); /* across a comment */
    const char *ten[] = {".o..........o", "o............"};
    rle_cells("x = 13, y = 2\nbo1\n0bo$o!", ten, 13, 2);
    rle_cells("x = 13, y = 2\nbo1\n0bo\n1\n$o!", ten, 13, 2); /* "1$" split too */
    rle_cells("x = 13, y = 2\nbo10bo$o!", ten, 13, 2);
    /* Blanks split a count the same way (bgolly 3.3 drops the digits before
     * a blank, reading "1 1o" as one cell; corun never drops a count). */
    rle_cells("x = 12, y = 1\n1 1o!", eleven, 12, 1);
    rle_cells("x = 12, y = 1\n1\t1o!", eleven, 12, 1);
    rle_cells("x = 12, y = 1\n1 \n1o!", eleven, 12, 1);
    rle_cells("x = 12, y = 1\n1\n 1o!", eleven, 12, 1);
    rle_cells("x = 13, y = 2\nbo 1 \t 0 b o $ o !", ten, 13, 2);

    /* The file pair: split and joined (as bgolly writes it) read the same. */
    char a[512], b[512];
    data_path(a, sizeof a, "split_counts.rle");
    data_path(b, sizeof b, "split_counts_joined.rle");
    corun_life_pattern_t pa, pb;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(a, &pa, &err), 0);
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(b, &pb, &err), 0);
    CU_ASSERT_TRUE(same_cells(&pa.cells, &pb.cells));
    int64_t pop = 0;
    for (int64_t i = 0; i < pa.cells.width * pa.cells.height; i++) pop += pa.cells.cells[i];
    CU_ASSERT_EQUAL(pop, 36); /* bgolly: population 36 */
    corun_life_pattern_close(&pa);
    corun_life_pattern_close(&pb);
}

/* Parses `text` and checks the rule it declares. */
static void rle_rule(const char *text, corun_life_rule_t want) {
    corun_life_pattern_t p;
    corun_err_t err = {0};
    int rc = corun_life_rle_parse(text, strlen(text), "str.rle", &p, &err);
    if (rc) fprintf(stderr, "\n  unexpected error for %s: %s\n", text, err.msg);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    CU_ASSERT_TRUE(p.has_rule);
    CU_ASSERT_EQUAL(p.rule.born, want.born);
    CU_ASSERT_EQUAL(p.rule.survive, want.survive);
    corun_life_pattern_close(&p);
}

/* The cases of Golly's RLE reading that corun reads the same way; each
 * expectation was checked with bgolly 3.3 (`bgolly -m 0 -o out.rle in.rle`).
 * The cases corun refuses are in test_rle_bad_strings. */
static void rle_bad(const char *text, const char *n1, const char *n2);

static void test_rle_golly_cases(void) {
    const corun_life_rule_t b36 = {.born = (1u << 3) | (1u << 6), .survive = (1u << 2) | (1u << 3)};
    const char *three[] = {"ooo"};
    /* #CXRLE (Pos=, Gen=) and the other comment lines before the header. */
    rle_cells("#CXRLE Pos=5,7 Gen=12\nx = 3, y = 1\n3o!", three, 3, 1);
    rle_cells("#N name\n#C c\n#c c\n#O me\n#P 1 2\n#R 3 4\nx = 3, y = 1\n3o!", three, 3, 1);
    /* #r sets the rule, before the header or between data lines. */
    rle_rule("#r B36/S23\nx = 3, y = 1\n3o!", b36);
    rle_rule("x = 3, y = 1\n#r B36/S23\n3o!", b36);
    rle_rule("#r B36/S23\nx = 3, y = 1, rule = B36/S23\n3o!", b36); /* agreeing */
    /* Header spacing: none, many, a blank before x, a comma after the rule. */
    rle_rule("x=3,y=1,rule=B36/S23\n3o!", b36);
    rle_rule("x  =  3 ,   y =  1 ,  rule   =   B36/S23  \n3o!", b36);
    rle_rule(" x = 3, y = 1, rule = B36/S23\n3o!", b36);
    rle_rule("x = 3, y = 1, rule = B36/S23,\n3o!", b36);
    rle_rule("x = 3, y = 1, rule = b36/s23\n3o!", b36);
    /* Text after the '!' and a second '!' are ignored. */
    rle_cells("x = 3, y = 1\n3o!junk 5o\nmore $$\n", three, 3, 1);
    const char *glider_top[] = {".o.", "..o", "..."};
    rle_cells("x = 3, y = 3\nbo$2bo!$3o!", glider_top, 3, 3);
    /* A count before the '!' is ignored (Golly: "3o5!" is 3 cells). */
    rle_cells("x = 3, y = 1\n3o5!", three, 3, 1);
    /* Isotropic rules in the header and in #r, with the bounded-grid suffix. */
    corun_life_rule_t iso;
    CU_ASSERT_EQUAL_FATAL(corun_life_rule_parse("B2-a/S12", &iso, NULL), 0);
    const char *iso_texts[] = {"x = 3, y = 1, rule = B2-a/S12:T10,10\n3o!",
                               "#r B2ceikn/S12\nx = 3, y = 1, rule = B2-a/S12\n3o!",
                               "x = 3, y = 1, rule = S12/B2-a\n3o!"};
    for (size_t i = 0; i < sizeof iso_texts / sizeof *iso_texts; i++) {
        corun_life_pattern_t p;
        corun_err_t err = {0};
        CU_ASSERT_EQUAL_FATAL(
            corun_life_rle_parse(iso_texts[i], strlen(iso_texts[i]), "str.rle", &p, &err), 0);
        CU_ASSERT_TRUE(corun_life_rule_equal(&p.rule, &iso));
        corun_life_pattern_close(&p);
    }
    rle_bad("#r B2/S12\nx = 3, y = 1, rule = B2-a/S12\n3o!", "str.rle:2:",
            "disagrees with the rule on line 1");
    rle_bad("x = 3, y = 1, rule = B1a/S12\n3o!", "str.rle:1:", "no Hensel letter 'a'");
}

/* Parsing `text` fails with a message containing each needle. */
static void rle_bad(const char *text, const char *n1, const char *n2) {
    corun_life_pattern_t p;
    corun_err_t err = {0};
    CU_ASSERT_NOT_EQUAL(corun_life_rle_parse(text, strlen(text), "str.rle", &p, &err), 0);
    if (!strstr(err.msg, n1) || !strstr(err.msg, n2))
        fprintf(stderr, "\n  unexpected message for %s: %s\n", text, err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, n1));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, n2));
    CU_ASSERT_PTR_NULL(p.cells.cells);
}

static void test_rle_bad_strings(void) {
    rle_bad("", "str.rle:1:", "no RLE header");
    rle_bad("#C only comments\n", "str.rle:2:", "no RLE header");
    rle_bad("bo$2bo$3o!", "str.rle:1:", "expected the RLE header");
    rle_bad("x = 3\nbo$2bo$3o!", "str.rle:1:", "both x and y");
    rle_bad("x = 3, y = -3\nbo!", "str.rle:1:", "non-negative integer");
    rle_bad("x = 0, y = 0\n!", "str.rle:1:", "empty pattern");
    rle_bad("x = 3 y = 3\nbo!", "str.rle:1:", "separated by commas");
    rle_bad("x = 3, y = 3, rule = B3/S23/\nbo!", "str.rle:1:", "bad rule");
    rle_bad("x = 3, y = 3, rule = Q\nbo!", "str.rle:1:", "bad rule");
    rle_bad("x = 3, y = 3\n\n3bo!", "str.rle:3:", "past the declared width");
    rle_bad("x = 3, y = 1\no$o!", "str.rle:2:", "more rows than declared");
    rle_bad("x = 3, y = 1\no3$!", "str.rle:2:", "more rows than declared");
    rle_bad("x = 3, y = 3\nbo$2bo$3o", "str.rle:2:", "missing '!'");
    rle_bad("x = 3, y = 3\nbo$2bo$3o\n", "str.rle:2:", "missing '!'");
    rle_bad("x = 3, y = 3\nbo$2bo$3o\n\n#C c\n", "str.rle:4:", "missing '!'");
    rle_bad("x = 3, y = 3\nbo$2bz!", "str.rle:2:", "unknown character 'z'");
    rle_bad("x = 3, y = 3\nbo$2bB!", "str.rle:2:", "unknown character 'B'");
    rle_bad("x = 3, y = 3\nbo$2b\x01!", "str.rle:2:", "byte 0x01");
    rle_bad("x = 3, y = 3\n1234567890123456789o!", "str.rle:2:", "too large");
    /* Golly grows the pattern past its declared size, or reads the second
     * of two keys as the next field; corun refuses. */
    rle_bad("x = 3, x = 5, y = 1\n5o!", "str.rle:1:", "'x' is given twice");
    rle_bad("x = 3, y = 1, y = 2\n3o!", "str.rle:1:", "'y' is given twice");
    rle_bad("x = 3, rule = B3/S23, y = 1\n3o!", "str.rle:1:", "unexpected 'y = 1' after the rule");
    rle_bad("x = 3, y = 1, rule = B3 / S23\n3o!", "str.rle:1:", "after the rule 'B3'");
    rle_bad("x = 3, y = 1, rule =\n3o!", "str.rle:1:", "the rule is empty");
    /* Golly reads a line that starts with y as cells, not as the header. */
    rle_bad("y = 1, x = 3\n3o!", "str.rle:1:", "the line starts with 'y'");
    rle_bad("x = 12345678901234567890, y = 1\n3o!", "str.rle:1:", "at most 18 digits");
    rle_bad("x = 3, y = 1, rule = B3/S23:P\n3o!", "str.rle:1:", "expected a width");
    /* Two rules that disagree: Golly 3 keeps the later, Golly 4 the earlier. */
    rle_bad("#r B36/S23\nx = 3, y = 1, rule = B3/S23\n3o!", "str.rle:2:",
            "disagrees with the rule on line 1");
    rle_bad("x = 3, y = 1, rule = B3/S23:T10,10\n#r B3/S23\n3o!", "str.rle:2:",
            "disagrees with the rule on line 1");
    rle_bad("#r B3/S23/\nx = 3, y = 1\n3o!", "str.rle:1:", "bad rule");
    rle_bad("x = 3, y = 3\n0o!", "str.rle:2:", "run count 0");
    /* A split count is still checked as a whole. */
    rle_bad("x = 3, y = 3\n0\n\n0o!", "str.rle:4:", "run count 0 is not allowed (its digits "
                                                      "start on line 2)");
    rle_bad("x = 3, y = 3\n123456789\n0123456789o!", "str.rle:3:", "more than 18 digits");
    rle_bad("x = 12, y = 1\n1\n5o!", "str.rle:3:", "15 cells from column 1 goes past");
    /* A blank-split count is checked as a whole too. */
    rle_bad("x = 3, y = 3\n0 0o!", "str.rle:2:", "run count 0");
    rle_bad("x = 12, y = 1\n1 5o!", "str.rle:2:", "15 cells from column 1 goes past");
    rle_bad("x = 9999999999, y = 9999999999\no!", "str.rle:1:", "grid size");
}

/* ----------------------------------------------------------- .cells strings */

static void test_cells_parse_string(void) {
    corun_life_pattern_t p;
    corun_err_t err = {0};
    /* Rows of different lengths: width is the longest (trailing dots count),
     * a blank line inside is an empty row, trailing blank lines are not. */
    const char *t = "!Name: t\r\n!\r\n.O\r\n\r\nO.O...\r\n\r\n\r\n";
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_parse(t, strlen(t), "t.cells", &p, &err), 0);
    CU_ASSERT_EQUAL(p.cells.width, 6);
    CU_ASSERT_EQUAL(p.cells.height, 3);
    const uint8_t want[18] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0};
    CU_ASSERT_EQUAL(memcmp(p.cells.cells, want, 18), 0);
    CU_ASSERT_FALSE(p.has_rule);
    CU_ASSERT_FALSE(p.has_bounded);
    corun_life_pattern_close(&p);

    const char *bad[] = {"..O\n.*.\n", "OO\nO o\n", "", "!only\n!comments", "\n\n"};
    const char *want_msg[] = {"c.cells:2:2: unexpected character '*'",
                              "c.cells:2:2: unexpected character ' '", "empty .cells pattern",
                              "empty .cells pattern", "empty .cells pattern"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CU_ASSERT_NOT_EQUAL(corun_life_cells_parse(bad[i], strlen(bad[i]), "c.cells", &p, &err),
                            0);
        CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, want_msg[i]));
        CU_ASSERT_PTR_NULL(p.cells.cells);
    }
}

/* ------------------------------------------------------------------- files */

static void test_load_files(void) {
    char path[512];
    corun_life_pattern_t p;
    corun_err_t err = {0};

    data_path(path, sizeof path, "glider.rle");
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    CU_ASSERT_EQUAL(p.cells.width, 3);
    CU_ASSERT_EQUAL(memcmp(p.cells.cells, glider_cells, 9), 0);
    corun_life_pattern_close(&p);

    data_path(path, sizeof path, "seed_glider.cells");
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    CU_ASSERT_EQUAL(p.cells.width, 9);
    CU_ASSERT_EQUAL(p.cells.height, 5);
    /* (y,x) = (0,3),(1,4),(2,2),(2,3),(2,4) */
    CU_ASSERT_EQUAL(corun_life_cells_population(&p.cells), 5);
    CU_ASSERT_EQUAL(*corun_life_cell(&p.cells, 3, 0), 1);
    CU_ASSERT_EQUAL(*corun_life_cell(&p.cells, 4, 1), 1);
    CU_ASSERT_EQUAL(*corun_life_cell(&p.cells, 2, 2), 1);
    CU_ASSERT_EQUAL(*corun_life_cell(&p.cells, 3, 2), 1);
    CU_ASSERT_EQUAL(*corun_life_cell(&p.cells, 4, 2), 1);
    corun_life_pattern_close(&p);

    data_path(path, sizeof path, "blinker.cells");
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    CU_ASSERT_EQUAL(p.cells.width, 5);
    CU_ASSERT_EQUAL(p.cells.height, 5);
    CU_ASSERT_EQUAL(corun_life_cells_population(&p.cells), 3);
    corun_life_pattern_close(&p);

    data_path(path, sizeof path, "glider_torus16.rle");
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    CU_ASSERT_TRUE(p.has_bounded);
    CU_ASSERT_EQUAL(p.boundary, CORUN_LIFE_TORUS);
    CU_ASSERT_EQUAL(p.bounded_w, 16);
    CU_ASSERT_EQUAL(p.bounded_h, 16);
    corun_life_pattern_close(&p);

    data_path(path, sizeof path, "glider_plane.rle");
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    CU_ASSERT_EQUAL(memcmp(p.cells.cells, glider_cells, 9), 0);
    CU_ASSERT_EQUAL(p.boundary, CORUN_LIFE_DEAD);
    CU_ASSERT_EQUAL(p.bounded_w, 12);
    CU_ASSERT_EQUAL(p.bounded_h, 10);
    corun_life_pattern_close(&p);

    data_path(path, sizeof path, "acorn.rle");
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    CU_ASSERT_EQUAL(p.cells.width, 7);
    CU_ASSERT_EQUAL(p.cells.height, 3);
    CU_ASSERT_EQUAL(corun_life_cells_population(&p.cells), 7);
    corun_life_pattern_close(&p);

    data_path(path, sizeof path, "rpentomino.rle");
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    CU_ASSERT_EQUAL(corun_life_cells_population(&p.cells), 5);
    corun_life_pattern_close(&p);
}

/* Without a known extension the content decides. */
static void test_load_by_content(void) {
    char rle[512], cells[512];
    snprintf(rle, sizeof rle, "%s/glider.txt", test_tmp_dir());
    snprintf(cells, sizeof cells, "%s/glider.pat", test_tmp_dir());
    FILE *f = fopen(rle, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("#N g\n\nx = 3, y = 3\nbo$2bo$3o!\n", f);
    fclose(f);
    f = fopen(cells, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("!Name: g\n.O.\n..O\nOOO\n", f);
    fclose(f);
    corun_life_pattern_t p;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(rle, &p, &err), 0);
    CU_ASSERT_EQUAL(memcmp(p.cells.cells, glider_cells, 9), 0);
    corun_life_pattern_close(&p);
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(cells, &p, &err), 0);
    CU_ASSERT_EQUAL(memcmp(p.cells.cells, glider_cells, 9), 0);
    corun_life_pattern_close(&p);
    remove(rle);
    remove(cells);
}

/* Loading tests/data/<file> fails; the message names the file and line
 * ("<path>:<line>:") and says what is wrong. */
static void file_bad(const char *file, int line, const char *what) {
    char path[512], where[600];
    data_path(path, sizeof path, file);
    if (line > 0) snprintf(where, sizeof where, "%s:%d:", path, line);
    else snprintf(where, sizeof where, "%s", path);
    corun_life_pattern_t p;
    corun_err_t err = {0};
    CU_ASSERT_NOT_EQUAL(corun_life_pattern_load(path, &p, &err), 0);
    if (!strstr(err.msg, where) || !strstr(err.msg, what))
        fprintf(stderr, "\n  %s: unexpected message: %s\n", file, err.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, where));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, what));
    CU_ASSERT_PTR_NULL(p.cells.cells);
}

static void test_bad_files(void) {
    file_bad("bad_truncated.rle", 4, "missing '!'");
    file_bad("bad_no_header.rle", 2, "expected the RLE header");
    file_bad("bad_header.rle", 2, "unknown key 'z'");
    file_bad("bad_width.rle", 5, "past the declared width x = 3");
    file_bad("bad_rows.rle", 4, "more rows than declared");
    file_bad("bad_char.rle", 3, "unknown character 'q'");
    file_bad("bad_rule.rle", 2, "bad rule");
    file_bad("bad_count.rle", 3, "too large");
    file_bad("bad_unbounded.rle", 2, "corun grids are finite");
    file_bad("bad_dup_key.rle", 2, "'x' is given twice");
    file_bad("bad_char.cells", 3, "unexpected character 'X'");
    file_bad("bad_empty.cells", 0, "empty .cells pattern");
    /* Not found: the message names the file and the system's reason. */
    file_bad("no_such_pattern.rle", 0, "No such file or directory");
}

/* Only regular files up to 1 GiB are read: a device, FIFO or directory is
 * refused by what it is (without reading from it, or waiting for a FIFO's
 * writer), a larger file by its size, each naming the file. The directory
 * comes first, so code without the check fails there before the devices
 * that it would read for ever. */
static void not_a_pattern(const char *path, const char *n1, const char *n2) {
    corun_life_pattern_t p;
    corun_err_t err = {0};
    CU_ASSERT_NOT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    if (!strstr(err.msg, path) || !strstr(err.msg, n1) || !strstr(err.msg, n2))
        fprintf(stderr, "\n%s: unexpected message: %s\n", path, err.msg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(err.msg, path));
    CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(err.msg, n1));
    CU_ASSERT_PTR_NOT_NULL_FATAL(strstr(err.msg, n2));
}

static void test_not_regular_files(void) {
    not_a_pattern(test_tmp_dir(), "not a regular file (a directory)",
                  "pattern files must be regular files");
    /* sparse: takes no disk space, and is refused by its size alone */
    const char *big = test_tmp_path("big.rle");
    FILE *f = fopen(big, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fclose(f);
    CU_ASSERT_EQUAL_FATAL(truncate(big, ((off_t)1 << 30) + 1), 0);
    not_a_pattern(big, "larger than 1 GiB", "pattern files");
    remove(big);
    const char *fifo = test_tmp_path("pattern.fifo");
    remove(fifo);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    not_a_pattern(fifo, "not a regular file (a FIFO)", "pattern files must be regular files");
    remove(fifo);
    not_a_pattern("/dev/zero", "not a regular file (a character device)",
                  "pattern files must be regular files");
    /* the CLI: exit 2, the message naming the file */
    char out[4096], errout[4096];
    int rc = test_run_corun((const char *const[]){"corun", "life", "--init", "/dev/zero", NULL},
                            out, sizeof out, errout, sizeof errout);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(errout, "/dev/zero: not a regular file"));
}

/* ---------------------------------------------------------------- writer */

/* The writers take the packed grid: these write a byte grid through one. */
static int packed_of(const corun_life_cells_t *g, corun_life_grid_t *packed, corun_err_t *err) {
    int rc = corun_life_grid_init(packed, g->width, g->height, err);
    if (!rc) corun_life_cells_pack(g, packed);
    return rc;
}

static int write_cells(FILE *f, const corun_life_cells_t *g, corun_life_rule_t rule,
                       corun_life_boundary_t b, corun_err_t *err) {
    corun_life_grid_t packed;
    int rc = packed_of(g, &packed, err);
    if (!rc) rc = corun_life_rle_write(f, &packed, rule, b, err);
    corun_life_grid_close(&packed);
    return rc;
}

static int save_cells(const char *path, const corun_life_cells_t *g, corun_life_rule_t rule,
                      corun_life_boundary_t b, corun_err_t *err) {
    corun_life_grid_t packed;
    int rc = packed_of(g, &packed, err);
    if (!rc) rc = corun_life_rle_save(path, &packed, rule, b, err);
    corun_life_grid_close(&packed);
    return rc;
}

/* Writes g as RLE to memory, checks the line-length limit, reads it back. */
static void roundtrip(const corun_life_cells_t *g, corun_life_rule_t rule, corun_life_boundary_t b) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(write_cells(f, g, rule, b, &err), 0);
    fclose(f);
    /* Every line, the header aside, is at most 70 characters. */
    const char *line = strchr(buf, '\n');
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    for (line++; *line;) {
        const char *e = strchr(line, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(e);
        CU_ASSERT(e - line <= 70);
        line = e + 1;
    }
    corun_life_pattern_t p;
    CU_ASSERT_EQUAL_FATAL(corun_life_rle_parse(buf, len, "mem", &p, &err), 0);
    CU_ASSERT_TRUE(same_cells(&p.cells, g));
    CU_ASSERT_TRUE(p.has_rule);
    CU_ASSERT_EQUAL(p.rule.born, rule.born);
    CU_ASSERT_EQUAL(p.rule.survive, rule.survive);
    CU_ASSERT_TRUE(p.has_bounded);
    CU_ASSERT_EQUAL(p.boundary, b);
    CU_ASSERT_EQUAL(p.bounded_w, g->width);
    CU_ASSERT_EQUAL(p.bounded_h, g->height);
    corun_life_pattern_close(&p);
    free(buf);
}

static void test_roundtrip_random(void) {
    const int64_t sizes[][2] = {{1, 1},  {1, 7},    {7, 1},   {2, 2},  {3, 3},   {69, 2},
                                {70, 3}, {71, 4},   {140, 5}, {200, 3}, {1, 150}, {64, 64},
                                {65, 33}, {300, 17}, {513, 2}};
    const double dens[] = {0.0, 0.02, 0.3, 0.5, 0.9, 1.0};
    corun_life_rule_t highlife = {.born = (1u << 3) | (1u << 6), .survive = (1u << 2) | (1u << 3)};
    uint64_t seed = 1;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        for (size_t d = 0; d < sizeof dens / sizeof *dens; d++) {
            corun_life_cells_t g;
            CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, sizes[i][0], sizes[i][1], NULL), 0);
            corun_life_cells_fill_random(&g, dens[d], seed++);
            roundtrip(&g, (seed & 1) ? CORUN_LIFE_RULE_CONWAY : highlife,
                      (seed & 2) ? CORUN_LIFE_DEAD : CORUN_LIFE_TORUS);
            corun_life_cells_close(&g);
        }
    }
}

/* Empty rows merge into "N$", trailing dead cells are dropped, runs are
 * counted: the exact text for a small grid. */
static void test_writer_exact(void) {
    corun_life_cells_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, 6, 6, NULL), 0);
    *corun_life_cell(&g, 1, 1) = 1;
    *corun_life_cell(&g, 2, 1) = 1;
    *corun_life_cell(&g, 3, 1) = 1;
    *corun_life_cell(&g, 0, 4) = 1;
    *corun_life_cell(&g, 5, 4) = 1;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(write_cells(f, &g, CORUN_LIFE_RULE_CONWAY, CORUN_LIFE_TORUS, NULL),
                    0);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "x = 6, y = 6, rule = B3/S23:T6,6\n$b3o3$o4bo!\n");
    free(buf);
    memset(g.cells, 0, 36);
    f = open_memstream(&buf, &len);
    CU_ASSERT_EQUAL(write_cells(f, &g, CORUN_LIFE_RULE_CONWAY, CORUN_LIFE_DEAD, NULL), 0);
    fclose(f);
    CU_ASSERT_STRING_EQUAL(buf, "x = 6, y = 6, rule = B3/S23:P6,6\n!\n");
    free(buf);
    corun_life_cells_close(&g);
}

static int count_tmp_files(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));)
        if (!strncmp(e->d_name, prefix, strlen(prefix)) && strstr(e->d_name, ".tmp")) n++;
    closedir(d);
    return n;
}

static void test_save(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/saved.rle", test_tmp_dir());
    corun_life_cells_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_cells_init(&g, 100, 40, NULL), 0);
    corun_life_cells_fill_random(&g, 0.4, 7);
    corun_err_t err = {0};
    /* Twice: the second save replaces the first. */
    CU_ASSERT_EQUAL(save_cells(path, &g, CORUN_LIFE_RULE_CONWAY, CORUN_LIFE_DEAD, &err), 0);
    corun_life_cells_fill_random(&g, 0.4, 8);
    CU_ASSERT_EQUAL(save_cells(path, &g, CORUN_LIFE_RULE_CONWAY, CORUN_LIFE_TORUS, &err), 0);
    CU_ASSERT_EQUAL(count_tmp_files(test_tmp_dir(), "saved.rle"), 0);
    corun_life_pattern_t p;
    CU_ASSERT_EQUAL_FATAL(corun_life_pattern_load(path, &p, &err), 0);
    CU_ASSERT_TRUE(same_cells(&p.cells, &g));
    CU_ASSERT_EQUAL(p.boundary, CORUN_LIFE_TORUS);
    corun_life_pattern_close(&p);
    remove(path);

    /* A directory that does not exist: an error naming the file, nothing left. */
    snprintf(path, sizeof path, "%s/no/such/dir/out.rle", test_tmp_dir());
    CU_ASSERT_NOT_EQUAL(save_cells(path, &g, CORUN_LIFE_RULE_CONWAY, CORUN_LIFE_TORUS, &err),
                        0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, path));
    corun_life_cells_close(&g);
}

/* ----------------------------------------------------------------- place */

static void test_place(void) {
    corun_life_cells_t pat = {3, 3, (uint8_t *)glider_cells};
    corun_life_grid_t g;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, 10, 8, NULL), 0);
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_life_pattern_place(&g, &pat, 7, 5, 0, 8, &err), 0);
    CU_ASSERT_EQUAL(corun_life_grid_population(&g, 1), 5);
    CU_ASSERT_EQUAL(corun_life_grid_get(&g, 8, 5), 1);
    CU_ASSERT_EQUAL(corun_life_grid_get(&g, 9, 6), 1);
    CU_ASSERT_EQUAL(corun_life_grid_get(&g, 7, 7), 1);
    CU_ASSERT_NOT_EQUAL(corun_life_pattern_place(&g, &pat, 8, 0, 0, 8, &err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "3x3 pattern placed at 8,0 does not fit in the 10x8 "
                                           "grid (it needs at least 11x3)"));
    CU_ASSERT_NOT_EQUAL(corun_life_pattern_place(&g, &pat, 0, 6, 0, 8, &err), 0);
    CU_ASSERT_NOT_EQUAL(corun_life_pattern_place(&g, &pat, -1, 0, 0, 8, &err), 0);
    CU_ASSERT_NOT_EQUAL(corun_life_pattern_place(&g, &pat, INT64_MAX, 0, 0, 8, &err), 0);
    /* A slab of rows 6..7 of the same 10x8 grid gets the pattern's last row. */
    corun_life_grid_t slab;
    CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&slab, 10, 2, NULL), 0);
    CU_ASSERT_EQUAL(corun_life_pattern_place(&slab, &pat, 7, 5, 6, 8, &err), 0);
    for (int64_t y = 0; y < 2; y++)
        for (int64_t x = 0; x < 10; x++)
            CU_ASSERT_EQUAL(corun_life_grid_get(&slab, x, y), corun_life_grid_get(&g, x, y + 6));
    corun_life_grid_close(&slab);
    corun_life_grid_close(&g);
}

/* -------------------------------------------------------------------- CLI */

static void test_cli(void) {
    char path[512], out[8192], errout[8192];
    data_path(path, sizeof path, "glider.rle");
    const char *a1[] = {"corun", "life", "--init", path, "--steps", "4", "--quiet",
                        "--backend", "serial", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a1, out, sizeof out, errout, sizeof errout), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "size=3x3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "steps=4"));
    /* The same command on the default backend. */
    {
        const char *a0[] = {"corun", "life", "--init", path, "--steps", "4", "--quiet", NULL};
        CU_ASSERT_EQUAL(test_run_corun(a0, out, sizeof out, errout, sizeof errout), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, "size=3x3"));
    }

    /* On a 16x16 torus (from the RLE's Golly suffix) the glider lives on. */
    data_path(path, sizeof path, "glider_torus16.rle");
    const char *a2[] = {"corun", "life", "--init", path, "--steps", "4", "--quiet",
                        "--backend", "serial", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a2, out, sizeof out, errout, sizeof errout), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "size=16x16"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "boundary=torus"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "population=5 "));

    /* --write-rle then --init of what was written: the same final grid. */
    char rle[512], out2[8192];
    snprintf(rle, sizeof rle, "%s/cli_out.rle", test_tmp_dir());
    data_path(path, sizeof path, "glider_plane.rle");
    const char *a3[] = {"corun", "life", "--init", path, "--steps", "5", "--quiet", "--backend",
                        "serial", "--write-rle", rle, NULL};
    CU_ASSERT_EQUAL(test_run_corun(a3, out, sizeof out, errout, sizeof errout), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "size=12x10"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "boundary=dead"));
    const char *a4[] = {"corun", "life", "--init", rle, "--steps", "0", "--quiet", "--backend",
                        "serial", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a4, out2, sizeof out2, errout, sizeof errout), 0);
    const char *h1 = strstr(out, "hash="), *h2 = strstr(out2, "hash=");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h2);
    CU_ASSERT_EQUAL(strncmp(h1, h2, 21), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out2, "size=12x10"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out2, "boundary=dead"));
    remove(rle);

    /* A pattern larger than --size, a missing file, a bad file: exit 2. */
    data_path(path, sizeof path, "seed_glider.cells");
    const char *a5[] = {"corun", "life", "--init", path, "--size", "8x8", "--backend", "serial",
                        "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a5, out, sizeof out, errout, sizeof errout), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(errout, "does not fit"));

    data_path(path, sizeof path, "no_such_pattern.rle");
    const char *a6[] = {"corun", "life", "--init", path, "--steps", "4", "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a6, out, sizeof out, errout, sizeof errout), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(errout, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(errout, "No such file"));

    data_path(path, sizeof path, "bad_width.rle");
    const char *a7[] = {"corun", "life", "--init", path, "--quiet", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a7, out, sizeof out, errout, sizeof errout), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(errout, "bad_width.rle:5:"));
}

static const test_case_t cases[] = {
    {"RLE from a string", test_rle_parse_string},
    {"RLE syntax variants", test_rle_syntax_variants},
    {"RLE Golly bounded-grid suffix :T/:P", test_rle_golly_suffix},
    {"RLE run counts split by line breaks (as Golly reads them)", test_rle_split_counts},
    {"RLE cases read as Golly reads them", test_rle_golly_cases},
    {"RLE bad strings rejected with line and reason", test_rle_bad_strings},
    {".cells from strings, bad .cells", test_cells_parse_string},
    {"pattern files in tests/data", test_load_files},
    {"format chosen by content", test_load_by_content},
    {"bad files rejected with file and line", test_bad_files},
    {"devices, FIFOs, directories, files over 1 GiB refused", test_not_regular_files},
    {"RLE round trip of random grids", test_roundtrip_random},
    {"RLE writer exact text", test_writer_exact},
    {"RLE save replaces atomically", test_save},
    {"pattern placement", test_place},
    {"corun life --init FILE", test_cli},
    {NULL, NULL},
};
CORUN_TEST_SUITE(pattern, cases)
