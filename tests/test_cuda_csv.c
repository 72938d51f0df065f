/* test_cuda_csv.c — `csv split` and `csv stats` on the cuda backend must
 * equal the serial backend byte for byte: generated files (quoted fractions
 * 0 and 0.05, LF and CRLF, BOM, tiny ones), handmade RFC 4180 corner cases,
 * pieces small enough that records and quoted fields cross them, stats text,
 * and every bad input with the serial backend's exact message. Suite
 * `cuda_csv` runs on the emulator (CORUN_CUDA=EMULATE builds; skipped with
 * 77 otherwise); test_cuda_csv_gpu.c runs the same functions on a device.
 * Files stay small: the emulator runs every GPU thread as a coroutine. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/csv.h"
#include "corun/cuda.h"
#include "test_cuda.h"
#include "test_cuda_csv.h"
#include "testlib.h"

#if CORUN_CUDA_BACKEND
#include "csv/csv_cuda.h"

static int split(const char *in, const char *by, const char *dir, const char *be,
                 size_t window, corun_csv_split_result_t *r, corun_err_t *err) {
    corun_csv_split_opts_t o;
    corun_csv_split_opts_init(&o);
    o.input = in;
    o.by = by;
    o.outdir = dir;
    o.window_bytes = window;
    o.threads = 2;
    o.backend = corun_csv_backend_find(be, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o.backend);
    test_rmtree(dir);
    return corun_csv_split(&o, r, err);
}

/* cuda vs serial for one input and column, whole-file and small windows. */
static void split_both(const char *input, const char *by) {
    static const size_t windows[] = {0, 700};
    char in[512], d1[512], d2[512]; /* test_tmp_path's buffers rotate */
    snprintf(in, sizeof in, "%s", input);
    snprintf(d1, sizeof d1, "%s", test_tmp_path("ccsv_serial"));
    snprintf(d2, sizeof d2, "%s", test_tmp_path("ccsv_cuda"));
    for (size_t w = 0; w < sizeof windows / sizeof *windows; w++) {
        corun_err_t e1 = {0}, e2 = {0};
        corun_csv_split_result_t r1, r2;
        int rc1 = split(in, by, d1, "serial", windows[w], &r1, &e1);
        int rc2 = split(in, by, d2, "cuda", windows[w], &r2, &e2);
        if (rc1 || rc2)
            fprintf(stderr, "\n%s by %s: serial: %s / cuda: %s\n", in, by, e1.msg, e2.msg);
        CU_ASSERT_EQUAL_FATAL(rc1, 0);
        CU_ASSERT_EQUAL_FATAL(rc2, 0);
        CU_ASSERT_EQUAL(r1.rows, r2.rows);
        CU_ASSERT_EQUAL(r1.files, r2.files);
        CU_ASSERT_EQUAL(r1.hash, r2.hash);
        CU_ASSERT(test_same_dir_files(d1, d2, NULL) > 0);
        test_rmtree(d1);
        test_rmtree(d2);
    }
}

static const char *gen(const char *name, uint64_t rows, double qf, int crlf, int bom) {
    corun_csv_gen_opts_t g;
    corun_csv_gen_opts_init(&g);
    g.rows = rows;
    g.seed = 7 + rows;
    g.quoted_fraction = qf;
    g.crlf = crlf;
    g.bom = bom;
    g.threads = 2;
    const char *p = test_tmp_path(name);
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_csv_gen(&g, p, NULL, &err), 0);
    return p;
}

void cuda_csv_generated(void) {
    unsigned long long dev0 = atomic_load(&csv_cuda_pieces_device);
    static const struct {
        uint64_t rows;
        double qf;
        int crlf, bom;
    } f[] = {{1500, 0, 0, 0}, {1500, 0.05, 0, 0}, {1200, 0.05, 1, 0}, {900, 0.05, 0, 1},
             {1, 0, 0, 0},    {2, 0.05, 1, 1},    {5, 1.0, 0, 0},     {0, 0, 0, 0}};
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) {
        const char *p = gen("ccsv_gen.csv", f[i].rows, f[i].qf, f[i].crlf, f[i].bom);
        if (f[i].rows == 0) continue; /* header only: nothing to split */
        split_both(p, "Country");
        if (i == 1) split_both(p, "Item Type");
    }
    /* valid input takes the device path, not the CPU fallback */
    CU_ASSERT(atomic_load(&csv_cuda_pieces_device) > dev0);
}

void cuda_csv_handmade(void) {
    static const char *files[] = {
        "k,v\na,1\nb,2\na,3\n",
        "k,v\r\na,1\r\nb,2\r\n\r\na,3",                      /* CRLF, blank, no final LF */
        "\xEF\xBB\xBFk,v\n\"a,x\",1\n\"b\"\"q\",\"2\n\n2\"\n\"a,x\",3\n", /* quotes */
        "k,v\n\n\n\"a\",\"\"\nb,\n\"a\",\"x\"\"\"\n",         /* blanks, empty fields */
        "k,v\n\"\"\"\",1\n\"\",2\n,3\n\"\"\"\",4\r\n",        /* keys: ", empty, empty */
        "k,v\na,1\rx\nb,2\r",                                 /* lone CRs: data */
        "k\na\n",                                             /* one column */
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        const char *p = test_write_tmp("ccsv_hand.csv", files[i]);
        split_both(p, "k");
        if (i != 6) split_both(p, "v");
    }
}

void cuda_csv_pieces(void) {
    /* Pieces of a few hundred bytes: records and multi-line quoted fields
     * cross piece ends, and some last records are cut off the copy (those
     * pieces go to the CPU parser). */
    unsigned long long cpu0 = atomic_load(&csv_cuda_pieces_cpu);
    static const char *sizes[] = {"97", "300", "1000"};
    char p[512];
    snprintf(p, sizeof p, "%s", gen("ccsv_pieces.csv", 400, 0.3, 1, 1));
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        setenv("CORUN_CSV_CUDA_PIECE", sizes[i], 1);
        split_both(p, "Country");
    }
    unsetenv("CORUN_CSV_CUDA_PIECE");
    CU_ASSERT(atomic_load(&csv_cuda_pieces_cpu) > cpu0);
}

static int stats(const char *in, const char *be, size_t window, char **text, corun_err_t *err) {
    static const char *sum[] = {"Units Sold", "Total Revenue", "Total Profit"};
    corun_csv_stats_opts_t o;
    corun_csv_stats_opts_init(&o);
    o.input = in;
    o.by = "Region";
    o.sum = sum;
    o.nsum = 3;
    o.threads = 2;
    o.window_bytes = window;
    o.backend = corun_csv_backend_find(be, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o.backend);
    size_t tl = 0;
    *text = NULL;
    o.out = open_memstream(text, &tl);
    int rc = corun_csv_stats(&o, NULL, err);
    fclose(o.out);
    return rc;
}

void cuda_csv_stats(void) {
    char files[2][512];
    snprintf(files[0], sizeof files[0], "%s", gen("ccsv_stats1.csv", 1500, 0.05, 1, 1));
    snprintf(files[1], sizeof files[1], "%s", gen("ccsv_stats2.csv", 700, 0, 0, 0));
    for (int f = 0; f < 2; f++)
        for (size_t window = 0; window <= 3000; window += 3000) {
            char *a, *b;
            corun_err_t e = {0};
            CU_ASSERT_EQUAL_FATAL(stats(files[f], "serial", window, &a, &e), 0);
            CU_ASSERT_EQUAL(stats(files[f], "cuda", window, &b, &e), 0);
            CU_ASSERT_PTR_NOT_NULL_FATAL(b);
            CU_ASSERT_STRING_EQUAL(a, b);
            free(a);
            free(b);
        }
}

void cuda_csv_bad(void) {
    static const char *bad[] = {
        "a,b\nx,1\ny\n",                   /* ragged: fewer */
        "a,b\nx,1\ny,2,3\n",               /* ragged: more */
        "a,b\nx,1\n\"y\n,2\nz,3\n",        /* unterminated */
        "a,b\nx,1\r\ny\"z,2\n",            /* bare quote */
        "a,b\n\"x\nx\",1\n\"y\"z,2\n",     /* text after a closing quote */
        "a,b\nx,1\nz,2\nw,3\n\"q\"",       /* ragged last line without LF */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char p[512], d[512];
        snprintf(p, sizeof p, "%s", test_write_tmp("ccsv_bad.csv", bad[i]));
        snprintf(d, sizeof d, "%s", test_tmp_path("ccsv_bad_out"));
        for (size_t window = 0; window <= 5; window += 5) {
            corun_err_t e1 = {0}, e2 = {0};
            int rc1 = split(p, "a", d, "serial", window, NULL, &e1);
            int rc2 = split(p, "a", d, "cuda", window, NULL, &e2);
            CU_ASSERT_EQUAL(rc1, CORUN_EPARSE);
            CU_ASSERT_EQUAL(rc2, rc1);
            if (strcmp(e1.msg, e2.msg))
                fprintf(stderr, "\ncase %zu: serial '%s', cuda '%s'\n", i, e1.msg, e2.msg);
            CU_ASSERT_STRING_EQUAL(e1.msg, e2.msg);
            struct stat st;
            CU_ASSERT_NOT_EQUAL(stat(d, &st), 0); /* nothing half-written */
        }
    }
    /* stats: an amount that is not one, on the device path */
    const char *p = test_write_tmp("ccsv_bad_amount.csv",
                                   "Region,Units Sold,Total Revenue,Total Profit\n"
                                   "A,1,2.50,3\nB,2,1.5,4\nA,x,1,1\n");
    char *a, *b;
    corun_err_t e1 = {0}, e2 = {0};
    CU_ASSERT_EQUAL(stats(p, "serial", 0, &a, &e1), CORUN_EPARSE);
    CU_ASSERT_EQUAL(stats(p, "cuda", 0, &b, &e2), CORUN_EPARSE);
    CU_ASSERT_STRING_EQUAL(e1.msg, e2.msg);
    CU_ASSERT_PTR_NOT_NULL(strstr(e2.msg, ":4: field 'Units Sold'"));
    free(a);
    free(b);
}

void cuda_csv_cli(void) {
    static char out[1 << 14], err[1 << 14];
    char p[512], d1[512], d2[512];
    snprintf(p, sizeof p, "%s", gen("ccsv_cli.csv", 800, 0.05, 0, 0));
    snprintf(d1, sizeof d1, "%s", test_tmp_path("ccsv_cli_serial"));
    snprintf(d2, sizeof d2, "%s", test_tmp_path("ccsv_cli_cuda"));
    test_rmtree(d1);
    test_rmtree(d2);
    const char *a[] = {"corun", "csv", "split", p, "--by", "Country", "-o", d2, "--backend",
                       "cuda", NULL};
    CU_ASSERT_EQUAL(test_run_corun(a, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "backend=cuda"));
    const char *h = strstr(out, "hash=");
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    char want[32];
    snprintf(want, sizeof want, "%.21s", h);
    const char *b[] = {"corun", "csv", "split", p, "--by", "Country", "-o", d1, "--backend",
                       "serial", NULL};
    CU_ASSERT_EQUAL(test_run_corun(b, out, sizeof out, err, sizeof err), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    CU_ASSERT(test_same_dir_files(d1, d2, NULL) > 0);
    test_rmtree(d1);
    test_rmtree(d2);
}

#else
/* Without the backend cuda_require() skips before any of these runs. */
void cuda_csv_generated(void) {}
void cuda_csv_handmade(void) {}
void cuda_csv_pieces(void) {}
void cuda_csv_stats(void) {}
void cuda_csv_bad(void) {}
void cuda_csv_cli(void) {}
#endif

static void require_emulated(void) { cuda_require(CORUN_CUDA_BUILD_EMULATED); }

static const test_case_t cases[] = {
    {"require_emulated", require_emulated},
    {"generated files: cuda == serial", cuda_csv_generated},
    {"handmade RFC 4180 corners", cuda_csv_handmade},
    {"tiny pieces, cut-off records", cuda_csv_pieces},
    {"stats text", cuda_csv_stats},
    {"bad inputs: same error as serial", cuda_csv_bad},
    {"CLI: same hash and files as serial", cuda_csv_cli},
    {NULL, NULL},
};
CORUN_TEST_SUITE(cuda_csv, cases)
