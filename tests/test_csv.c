/* test_csv.c — the CSV library against a straightforward serial reference
 * written here (a character state machine, independent of kernels/
 * csv_scan.h): split outputs byte for byte and per-file record counts for
 * many generated and hand-made files, every backend, 1 and 2 threads, tiny
 * windows and chunks (records and quoted fields across boundaries); stats
 * against sums computed here; name sanitising; every malformed input named
 * by its line with nothing left behind; --force and --only; an existing
 * output replaced whole or left whole (also when stopped by a signal). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corun/csv.h"
#include "corun/outdir.h"
#include "testlib.h"

/* ------------------------------------------------------------ helpers */


static void spit(const char *path, const char *data, size_t n) {
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(data, 1, n, f);
    fclose(f);
}

static const char *tmp(const char *name) {
    /* a ring: callers keep a few paths alive at once */
    static char buf[256][512];
    static int k;
    k = (k + 1) % 256;
    snprintf(buf[k], sizeof buf[k], "%s/%s", test_tmp_dir(), name);
    return buf[k];
}


static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* ------------------------------------------------------------ reference */

/* One record: its bytes [start, end) and its fields unescaped. */
typedef struct ref_rec {
    size_t start, end;
    int nf;
    char *f[32];
} ref_rec_t;

/* Parses the record at *pos; 0 ok, 1 blank line, -1 malformed. */
static int ref_record(const char *b, size_t n, size_t *pos, ref_rec_t *r) {
    size_t p = *pos;
    r->start = p;
    r->nf = 0;
    if (b[p] == '\n' || (b[p] == '\r' && p + 1 < n && b[p + 1] == '\n')) {
        *pos = r->end = p + (b[p] == '\r' ? 2 : 1);
        return 1;
    }
    char *cur = malloc(n - p + 1);
    size_t cl = 0;
    enum { START, PLAIN, QUOTED, QUOTE_IN_QUOTED } st = START;
    for (;; p++) {
        int c = p < n ? (unsigned char)b[p] : -1;
        int endfield = 0, endrec = 0;
        switch (st) {
        case START:
        case PLAIN:
            if (c == '"' && st == START) st = QUOTED;
            else if (c == '"') goto bad;
            else if (c == ',') endfield = 1;
            else if (c == '\n' || c == -1) endfield = endrec = 1;
            else if (c == '\r' && (p + 1 == n || b[p + 1] == '\n')) { /* CR of CRLF */
            } else {
                cur[cl++] = (char)c;
                st = PLAIN;
            }
            break;
        case QUOTED:
            if (c == -1) goto bad;
            if (c == '"') st = QUOTE_IN_QUOTED;
            else cur[cl++] = (char)c;
            break;
        case QUOTE_IN_QUOTED:
            if (c == '"') {
                cur[cl++] = '"';
                st = QUOTED;
            } else if (c == ',') endfield = 1;
            else if (c == '\n' || c == -1) endfield = endrec = 1;
            else if (c == '\r' && (p + 1 == n || b[p + 1] == '\n')) {
            } else goto bad;
            break;
        }
        if (endfield) {
            if (r->nf < 32) r->f[r->nf] = strndup(cur, cl);
            r->nf++;
            cl = 0;
            st = START;
        }
        if (endrec) {
            *pos = r->end = c == -1 ? n : p + 1;
            free(cur);
            return 0;
        }
    }
bad:
    free(cur);
    for (int i = 0; i < r->nf && i < 32; i++) free(r->f[i]);
    return -1;
}

static void ref_free(ref_rec_t *r) {
    for (int i = 0; i < r->nf && i < 32; i++) free(r->f[i]);
    r->nf = 0;
}

/* Splits path by column `by` the obvious way and compares every expected
 * file with OUTDIR/<name>; also that OUTDIR has no other file. */
static void check_split_against_ref(const char *path, const char *by, const char *outdir) {
    size_t n;
    char *b = test_slurp(path, &n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    size_t pos = n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3) ? 3 : 0;
    ref_rec_t h;
    CU_ASSERT_EQUAL_FATAL(ref_record(b, n, &pos, &h), 0);
    int col = -1;
    for (int i = 0; i < h.nf; i++)
        if (!strcmp(h.f[i], by)) col = i;
    CU_ASSERT_FATAL(col >= 0);
    size_t hdr_end = pos;
    /* values in first-appearance order, each with its concatenated records */
    enum { MAXV = 512 };
    static char *val[MAXV], *data[MAXV];
    static size_t dlen[MAXV], dcap[MAXV], rows[MAXV];
    int nv = 0;
    while (pos < n) {
        ref_rec_t r;
        int rc = ref_record(b, n, &pos, &r);
        CU_ASSERT_FATAL(rc >= 0);
        if (rc == 1) continue;
        CU_ASSERT_EQUAL_FATAL(r.nf, h.nf);
        int v = 0;
        while (v < nv && strcmp(val[v], r.f[col])) v++;
        if (v == nv) {
            CU_ASSERT_FATAL(nv < MAXV);
            val[nv] = strdup(r.f[col]);
            dcap[nv] = hdr_end + 256;
            data[nv] = malloc(dcap[nv]);
            memcpy(data[nv], b, hdr_end);
            dlen[nv] = hdr_end;
            rows[nv] = 0;
            nv++;
        }
        size_t len = r.end - r.start;
        if (dlen[v] + len > dcap[v]) {
            dcap[v] = (dlen[v] + len) * 2;
            data[v] = realloc(data[v], dcap[v]);
        }
        memcpy(data[v] + dlen[v], b + r.start, len);
        dlen[v] += len;
        rows[v]++;
        ref_free(&r);
    }
    CU_ASSERT_EQUAL(count_entries(outdir), nv);
    for (int v = 0; v < nv; v++) {
        /* names: the library's, with "shared" from lowercase-stem clashes */
        char stem[CORUN_CSV_NAME_MAX], other[CORUN_CSV_NAME_MAX], name[CORUN_CSV_NAME_MAX];
        corun_csv_name_stem(val[v], strlen(val[v]), stem);
        int shared = 0;
        for (int w = 0; w < nv; w++) {
            corun_csv_name_stem(val[w], strlen(val[w]), other);
            if (w != v && !strcmp(stem, other)) shared = 1;
        }
        corun_csv_name_for(val[v], strlen(val[v]), shared, name);
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", outdir, name);
        size_t got_n;
        char *got = test_slurp(p, &got_n);
        if (!got || got_n != dlen[v] || memcmp(got, data[v], got_n))
            fprintf(stderr, "\nmismatch in %s (%zu vs %zu bytes, %zu rows)\n", p,
                    got ? got_n : 0, dlen[v], rows[v]);
        CU_ASSERT_PTR_NOT_NULL(got);
        CU_ASSERT(got && got_n == dlen[v] && !memcmp(got, data[v], got_n));
        free(got);
    }
    for (int v = 0; v < nv; v++) {
        free(val[v]);
        free(data[v]);
    }
    ref_free(&h);
    free(b);
}

static int split(const char *in, const char *by, const char *outdir, const char *backend,
                 int threads, size_t window, corun_err_t *err) {
    corun_csv_split_opts_t o;
    corun_csv_split_opts_init(&o);
    o.input = in;
    o.by = by;
    o.outdir = outdir;
    o.threads = threads;
    o.window_bytes = window;
    o.backend = corun_csv_backend_find(backend, NULL);
    corun_csv_split_result_t r;
    return corun_csv_split(&o, &r, err);
}

/* Every backend x threads x window on one input; all equal the reference. */
static void split_all_ways(const char *in, const char *by) {
    static const char *be[] = {"serial", "omp"};
    static const size_t win[] = {0, 1, 700};
    setenv("CORUN_CSV_MIN_CHUNK", "1", 1);
    const char *dir = tmp("split_out");
    for (int b = 0; b < 2; b++)
        for (int t = 1; t <= 2; t++)
            for (int w = 0; w < 3; w++) {
                test_rmtree(dir);
                corun_err_t err = {0};
                int rc = split(in, by, dir, be[b], t, win[w], &err);
                if (rc) fprintf(stderr, "\n%s t=%d w=%zu: %s\n", be[b], t, win[w], err.msg);
                CU_ASSERT_EQUAL_FATAL(rc, 0);
                check_split_against_ref(in, by, dir);
                test_rmtree(dir);
            }
    unsetenv("CORUN_CSV_MIN_CHUNK");
}

static const char *gen(const char *name, uint64_t rows, double qf, int crlf, int bom, int threads) {
    corun_csv_gen_opts_t g;
    corun_csv_gen_opts_init(&g);
    g.rows = rows;
    g.seed = 7 + rows;
    g.quoted_fraction = qf;
    g.crlf = crlf;
    g.bom = bom;
    g.threads = threads;
    const char *p = tmp(name);
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_csv_gen(&g, p, NULL, &err), 0);
    return p;
}

/* ------------------------------------------------------------ tests */

static void test_split_generated(void) {
    static const uint64_t rows[] = {0, 1, 37, 400};
    for (int r = 0; r < 4; r++)
        for (int q = 0; q < 2; q++) {
            const char *p = gen("gen.csv", rows[r], q ? 0.05 : 0, (r + q) % 2, r == 2, 2);
            split_all_ways(p, "Country");
        }
    /* quoted records everywhere, a key that is often quoted */
    split_all_ways(gen("q.csv", 300, 0.5, 0, 1, 1), "Item Type");
    split_all_ways(gen("q2.csv", 120, 1.0, 1, 0, 2), "Region");
}

static void test_split_handmade(void) {
    static const char *files[] = {
        /* final line without newline */
        "a,b\nx,1\ny,2\nx,3",
        /* header only, no newline */
        "a,b",
        /* mixed LF / CRLF, blank lines, empty fields */
        "a,b\r\nx,1\n\ny,\r\n\r\n,3\nx,\"\"\n",
        /* quoted keys with doubled quotes, commas and newlines */
        "k,v\n\"a,\"\"b\"\"\nc\",1\nplain,2\n\"a,\"\"b\"\"\nc\",3\r\n\"plain\",4\n",
        /* values that must be sanitised / collide after lowercasing */
        "k,v\n../etc/passwd,1\nFrance,2\nFRANCE,3\n.hidden,4\n\"a\tb\",5\n~x,6\n,7\nCôte,8\n",
        /* BOM and CRLF and final CR */
        "\xEF\xBB\xBFk,v\r\nq,1\r\nr,2\r",
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        const char *p = tmp("hand.csv");
        spit(p, files[i], strlen(files[i]));
        split_all_ways(p, strchr(files[i], 'k') == files[i] || i >= 3 ? "k" : "a");
    }
    /* a file whose only record spans every chunk and window boundary */
    size_t big = 25000;
    char *b = malloc(big * 8 + 64);
    size_t o = (size_t)sprintf(b, "k,v\n\"");
    for (size_t i = 0; i < big; i++) o += (size_t)sprintf(b + o, "ab,\n\"\"c\r");
    o += (size_t)sprintf(b + o, "\",1\n");
    const char *p = tmp("long.csv");
    spit(p, b, o);
    free(b);
    split_all_ways(p, "k");
    split_all_ways(p, "v");
}

static void test_names(void) {
    char out[CORUN_CSV_NAME_MAX];
    CU_ASSERT_EQUAL(corun_csv_name_stem("Germany", 7, out), 0);
    CU_ASSERT_STRING_EQUAL(out, "germany");
    CU_ASSERT_EQUAL(corun_csv_name_stem("Cote d'Ivoire", 13, out), 0);
    CU_ASSERT_STRING_EQUAL(out, "cote d'ivoire");
    static const char *bad[] = {"../x", "a/b", "..", ".", "", "a\nb", "a\\b", " x", "x ", "~",
                                "\xff\xfe", "a\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CU_ASSERT_EQUAL(corun_csv_name_stem(bad[i], strlen(bad[i]), out), 1);
        corun_csv_name_for(bad[i], strlen(bad[i]), 0, out);
        CU_ASSERT_PTR_NULL(strchr(out, '/'));
        CU_ASSERT_NOT_EQUAL(out[0], '.');
        CU_ASSERT_PTR_NOT_NULL(strchr(out, '~'));
        for (const char *c = out; *c; c++) CU_ASSERT((unsigned char)*c >= 0x20 && *c != 0x7f);
    }
    char big[1000];
    memset(big, 'A', sizeof big);
    corun_csv_name_for(big, sizeof big, 0, out);
    CU_ASSERT(strlen(out) < CORUN_CSV_NAME_MAX);
    /* UTF-8 is kept, cut on a character boundary */
    char u[300];
    for (int i = 0; i < 100; i++) memcpy(u + 2 * i, "\xc3\xa9", 2);
    CU_ASSERT_EQUAL(corun_csv_name_stem(u, 200, out), 1);
    CU_ASSERT_EQUAL(strlen(out), 100);
    CU_ASSERT_EQUAL(corun_csv_name_stem("\xc3\xa9t\xc3\xa9", 5, out), 0);
    /* shared stems get distinct hashed names */
    char a[CORUN_CSV_NAME_MAX], b2[CORUN_CSV_NAME_MAX];
    corun_csv_name_for("France", 6, 1, a);
    corun_csv_name_for("FRANCE", 6, 1, b2);
    CU_ASSERT_STRING_NOT_EQUAL(a, b2);
    CU_ASSERT_EQUAL(strncmp(a, "france~", 7), 0);
}

typedef struct bad_case {
    const char *text;
    const char *by;
    const char *needle; /* in the message, e.g. ":3:" */
} bad_case_t;

static void test_bad_inputs(void) {
    static const bad_case_t cases[] = {
        {"a,b\nx,1\ny\n", "a", "bad.csv:3: ragged record: 1 fields"},
        {"a,b\nx,1\ny,2,3\n", "a", "bad.csv:3: ragged record: 3 fields"},
        {"a,b\nx,1\n\"y\n,2\nz,3\n", "a", "bad.csv:3: unterminated"},
        {"a,b\nx,1\r\ny\"z,2\n", "a", "bad.csv:3: a '\"' inside an unquoted field"},
        {"a,b\n\"x\nx\",1\n\"y\"z,2\n", "a", "bad.csv:4: text after a closing quote"},
        {"a,b\nx,1\n", "c", "bad.csv:1: no column 'c'"},
        {"", "a", "bad.csv:1: empty file"},
        {"\"a,b\n", "a", "bad.csv:1: malformed header"},
        /* line ends of CR alone: refused, not read as one long header */
        {"a,b\r1,2\r3,4\r", "a", "bad.csv:1: header field 2 holds a carriage return"},
        {"k\rx\ry\r", "k", "bad.csv:1: header field 1 holds a carriage return"},
    };
    setenv("CORUN_CSV_MIN_CHUNK", "1", 1);
    const char *p = tmp("bad.csv"), *bdir = tmp("bad_out");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        spit(p, cases[i].text, strlen(cases[i].text));
        for (int be = 0; be < 2; be++)
            for (int t = 1; t <= 2; t++) {
                const char *dir = bdir;
                test_rmtree(dir);
                corun_err_t err = {0};
                int rc = split(p, cases[i].by, dir, be ? "omp" : "serial", t, 4, &err);
                CU_ASSERT(rc == CORUN_EPARSE || rc == CORUN_EINVAL);
                if (!strstr(err.msg, cases[i].needle))
                    fprintf(stderr, "\ncase %zu: expected '%s' in '%s'\n", i, cases[i].needle,
                            err.msg);
                CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, cases[i].needle));
                /* nothing half-written: the folder it created is gone */
                struct stat st;
                CU_ASSERT_NOT_EQUAL(stat(dir, &st), 0);
            }
    }
    /* an existing output (--force) keeps what it had */
    const char *dir = tmp("bad_force");
    test_rmtree(dir);
    mkdir(dir, 0777);
    spit(tmp("bad_force/keep.csv"), "x", 1);
    spit(p, cases[0].text, strlen(cases[0].text));
    corun_csv_split_opts_t o;
    corun_csv_split_opts_init(&o);
    o.input = p;
    o.by = "a";
    o.outdir = dir;
    o.force = 1;
    o.window_bytes = 4;
    CU_ASSERT_EQUAL(corun_csv_split(&o, NULL, NULL), CORUN_EPARSE);
    CU_ASSERT_EQUAL(count_entries(dir), 1);
    size_t kn;
    char *keep = test_slurp(tmp("bad_force/keep.csv"), &kn);
    CU_ASSERT(keep && kn == 1 && keep[0] == 'x');
    free(keep);
    test_rmtree(dir);
    unsetenv("CORUN_CSV_MIN_CHUNK");
}

static void test_force_and_only(void) {
    const char *in = gen("only.csv", 500, 0.05, 0, 0, 2);
    const char *dir = tmp("only_out");
    test_rmtree(dir);
    mkdir(dir, 0777);
    static const char *only[] = {"Norway", "Atlantis", "Germany"};
    corun_csv_split_opts_t o;
    corun_csv_split_opts_init(&o);
    o.input = in;
    o.by = "Country";
    o.outdir = dir;
    o.only = only;
    o.nonly = 3;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_csv_split(&o, NULL, &err), CORUN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "--force"));
    o.force = 1;
    corun_csv_split_result_t r;
    CU_ASSERT_EQUAL_FATAL(corun_csv_split(&o, &r, &err), 0);
    CU_ASSERT_EQUAL(r.files, 3);
    CU_ASSERT_EQUAL(count_entries(dir), 3);
    size_t n, hn;
    char *a = test_slurp(tmp("only_out/atlantis.csv"), &n);
    char *full = test_slurp(in, &hn);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(n, (size_t)(strchr(full, '\n') - full + 1)); /* header only */
    CU_ASSERT_EQUAL(memcmp(a, full, n), 0);
    free(a);
    /* norway.csv: exactly the Norway records of the full split */
    const char *all = tmp("only_all");
    test_rmtree(all);
    CU_ASSERT_EQUAL(split(in, "Country", all, "omp", 2, 0, &err), 0);
    char *x = test_slurp(tmp("only_out/norway.csv"), &n);
    char *y = test_slurp(tmp("only_all/norway.csv"), &hn);
    CU_ASSERT(x && y && n == hn && !memcmp(x, y, n));
    free(x);
    free(y);
    free(full);
    /* running again with --force replaces the files */
    CU_ASSERT_EQUAL(corun_csv_split(&o, &r, &err), 0);
    CU_ASSERT_EQUAL(count_entries(dir), 3);
    /* listed twice */
    static const char *dup[] = {"Norway", "Norway"};
    o.only = dup;
    o.nonly = 2;
    CU_ASSERT_EQUAL(corun_csv_split(&o, NULL, &err), CORUN_EINVAL);
    test_rmtree(dir);
    test_rmtree(all);
}

/* 1 if folders a and b hold the same files with the same bytes. */
static int same_dir(const char *a, const char *b) { return test_same_dir_files(a, b, NULL) >= 0; }

static int fail_into_place(const char *from, const char *to, unsigned flags) {
    (void)from, (void)to;
    errno = flags ? EINVAL : EIO; /* no exchange here; the second rename fails */
    static int n;
    if (flags || ++n % 2 == 0) return -1;
    return rename(from, to);
}

/* --force replaces the old output as a whole, or leaves it whole: a folder
 * in it that a split never writes (japan.csv/) refuses the run before
 * anything is touched; a rename that fails midway, or a stop request,
 * leave it byte for byte as it was; files of the old split that the new
 * one does not write are gone after a replacement. */
static void test_replace_whole(void) {
    const char *in = gen("whole.csv", 300, 0.05, 0, 0, 2);
    const char *dir = tmp("whole"), *copy = tmp("whole_copy");
    test_rmtree(dir);
    test_rmtree(copy);
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(split(in, "Region", dir, "omp", 2, 0, &err), 0);
    CU_ASSERT_EQUAL_FATAL(split(in, "Region", copy, "omp", 2, 0, &err), 0);
    corun_csv_split_opts_t o;
    corun_csv_split_opts_init(&o);
    o.input = in;
    o.by = "Country";
    o.outdir = dir;
    o.force = 1;
    /* a folder named like an output file */
    mkdir(tmp("whole/japan.csv"), 0777);
    CU_ASSERT_EQUAL(corun_csv_split(&o, NULL, &err), CORUN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "japan.csv is a folder"));
    rmdir(tmp("whole/japan.csv"));
    CU_ASSERT(same_dir(dir, copy));
    CU_ASSERT_EQUAL(test_tmp_siblings("whole"), 0);
    /* somebody else's file */
    spit(tmp("whole/notes.txt"), "mine", 4);
    CU_ASSERT_EQUAL(corun_csv_split(&o, NULL, &err), CORUN_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "notes.txt"));
    unlink(tmp("whole/notes.txt"));
    CU_ASSERT(same_dir(dir, copy));
    /* the new folder cannot be renamed into place: the old one goes back */
    corun_outdir_rename_hook = fail_into_place;
    CU_ASSERT_EQUAL(corun_csv_split(&o, NULL, &err), CORUN_EIO);
    corun_outdir_rename_hook = NULL;
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "unchanged"));
    CU_ASSERT(same_dir(dir, copy));
    CU_ASSERT_EQUAL(test_tmp_siblings("whole"), 0);
    /* stopped (a signal): nothing written, the old output whole */
    volatile sig_atomic_t stop = SIGTERM;
    o.stop = &stop;
    CU_ASSERT_EQUAL(corun_csv_split(&o, NULL, &err), CORUN_ECANCELED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "signal 15"));
    CU_ASSERT(same_dir(dir, copy));
    CU_ASSERT_EQUAL(test_tmp_siblings("whole"), 0);
    o.outdir = tmp("whole_new");
    CU_ASSERT_EQUAL(corun_csv_split(&o, NULL, &err), CORUN_ECANCELED);
    struct stat st;
    CU_ASSERT_NOT_EQUAL(stat(o.outdir, &st), 0);
    CU_ASSERT_EQUAL(test_tmp_siblings("whole_new"), 0);
    /* replaced: exactly the new split's files */
    o.stop = NULL;
    o.outdir = dir;
    CU_ASSERT_EQUAL_FATAL(corun_csv_split(&o, NULL, &err), 0);
    test_rmtree(copy);
    CU_ASSERT_EQUAL_FATAL(split(in, "Country", copy, "omp", 2, 0, &err), 0);
    CU_ASSERT(same_dir(dir, copy));
    CU_ASSERT_EQUAL(test_tmp_siblings("whole"), 0);
    test_rmtree(dir);
    test_rmtree(copy);
}

/* Invisible and direction-changing characters and a leading '-' never
 * reach a file name; values that differ only by them get distinct files. */
static void test_names_invisible(void) {
    static const char *v[] = {
        "\xe2\x80\xaegnp.exe", /* U+202E RIGHT-TO-LEFT OVERRIDE */
        "a\xe2\x80\x8b" "b",   /* U+200B ZERO WIDTH SPACE */
        "\xef\xbb\xbfx",       /* U+FEFF */
        "\xe2\x81\xa6y\xe2\x81\xa9", /* U+2066, U+2069 isolates */
        "l\xe2\x80\x8e\xe2\x80\x8fr", /* U+200E, U+200F marks */
        "\xe2\x80\xaa\xe2\x80\xad", /* U+202A, U+202D */
        "w\xe2\x81\xa0j\xe2\x80\x8d", /* U+2060 word joiner, U+200D ZWJ */
        "-rf",
        "--help",
    };
    char out[CORUN_CSV_NAME_MAX];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        CU_ASSERT_EQUAL(corun_csv_name_stem(v[i], strlen(v[i]), out), 1);
        corun_csv_name_for(v[i], strlen(v[i]), 0, out);
        CU_ASSERT_NOT_EQUAL(out[0], '-');
        CU_ASSERT_PTR_NULL(strstr(out, "\xe2\x80")); /* U+2000..U+203F */
        CU_ASSERT_PTR_NULL(strstr(out, "\xe2\x81")); /* U+2040..U+207F */
        CU_ASSERT_PTR_NULL(strstr(out, "\xef\xbb\xbf"));
        CU_ASSERT_PTR_NOT_NULL(strchr(out, '~'));
    }
    /* visible non-ASCII stays */
    CU_ASSERT_EQUAL(corun_csv_name_stem("K\xc3\xb6ln", 5, out), 0);
    CU_ASSERT_STRING_EQUAL(out, "k\xc3\xb6ln");
    CU_ASSERT_EQUAL(corun_csv_name_stem("a-b", 3, out), 0);
    /* "ab", "a<ZWSP>b", "a<RLO>b": one file each, never merged */
    const char *in = tmp("invis.csv");
    const char *text = "k,v\nab,1\na\xe2\x80\x8b" "b,2\nab,3\na\xe2\x80\xae" "b,4\n-x,5\n";
    spit(in, text, strlen(text));
    const char *dir = tmp("invis_out");
    test_rmtree(dir);
    corun_csv_split_opts_t o;
    corun_csv_split_opts_init(&o);
    o.input = in;
    o.by = "k";
    o.outdir = dir;
    corun_csv_split_result_t r;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL_FATAL(corun_csv_split(&o, &r, &err), 0);
    CU_ASSERT_EQUAL(r.files, 4);
    CU_ASSERT_EQUAL(r.rows_out, 5);
    CU_ASSERT_EQUAL(count_entries(dir), 4);
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        CU_ASSERT_NOT_EQUAL(e->d_name[0], '-');
        for (const unsigned char *c = (const unsigned char *)e->d_name; *c; c++)
            CU_ASSERT(*c < 0x80); /* every character here was invisible or ASCII */
    }
    if (d) closedir(d);
    check_split_against_ref(in, "k", dir);
    test_rmtree(dir);
}

static void test_gen(void) {
    const char *a = gen("g1.csv", 20000, 0.05, 0, 0, 1);
    const char *b = gen("g2.csv", 20000, 0.05, 0, 0, 2);
    size_t na, nb;
    char *x = test_slurp(a, &na), *y = test_slurp(b, &nb);
    CU_ASSERT_FATAL(x && y);
    CU_ASSERT_EQUAL(na, nb);
    CU_ASSERT_EQUAL(memcmp(x, y, na), 0);
    /* every record: the schema, consistent amounts, dates in order */
    size_t pos = 0, recs = 0, quoted = 0;
    ref_rec_t r;
    CU_ASSERT_EQUAL(ref_record(x, na, &pos, &r), 0);
    CU_ASSERT_EQUAL(r.nf, 14);
    CU_ASSERT_STRING_EQUAL(r.f[0], "Region");
    CU_ASSERT_STRING_EQUAL(r.f[13], "Total Profit");
    ref_free(&r);
    while (pos < na) {
        CU_ASSERT_EQUAL_FATAL(ref_record(x, na, &pos, &r), 0);
        CU_ASSERT_EQUAL_FATAL(r.nf, 14);
        quoted += x[r.start] == '"';
        long units = atol(r.f[8]);
        CU_ASSERT(units >= 1 && units <= 10000);
        long long price = llround(atof(r.f[9]) * 100), cost = llround(atof(r.f[10]) * 100);
        long long rev = llround(atof(r.f[11]) * 100), tc = llround(atof(r.f[12]) * 100),
                  tp = llround(atof(r.f[13]) * 100);
        CU_ASSERT_EQUAL(rev, units * price);
        CU_ASSERT_EQUAL(tc, units * cost);
        CU_ASSERT_EQUAL(tp, rev - tc);
        CU_ASSERT_EQUAL(strlen(r.f[6]), 9);
        int m1, d1, y1, m2, d2, y2;
        CU_ASSERT_EQUAL(sscanf(r.f[5], "%d/%d/%d", &m1, &d1, &y1), 3);
        CU_ASSERT_EQUAL(sscanf(r.f[7], "%d/%d/%d", &m2, &d2, &y2), 3);
        CU_ASSERT(y2 * 10000 + m2 * 100 + d2 >= y1 * 10000 + m1 * 100 + d1);
        CU_ASSERT(y1 >= 2010 && y1 <= 2017);
        recs++;
        ref_free(&r);
    }
    CU_ASSERT_EQUAL(recs, 20000);
    CU_ASSERT(quoted > 600 && quoted < 1400); /* ~5% */
    free(x);
    free(y);
    unlink(a);
    unlink(b);
}

/* Stats text against counts and sums computed here with the reference. */
static void check_stats(const char *in, const char *by, const char *backend, int threads) {
    static const char *sum[] = {"Units Sold", "Total Revenue", "Total Profit"};
    corun_csv_stats_opts_t o;
    corun_csv_stats_opts_init(&o);
    o.input = in;
    o.by = by;
    o.sum = sum;
    o.nsum = 3;
    o.threads = threads;
    o.window_bytes = 3000;
    o.backend = corun_csv_backend_find(backend, NULL);
    char *text = NULL;
    size_t tl = 0;
    o.out = open_memstream(&text, &tl);
    corun_err_t err = {0};
    corun_csv_stats_result_t res;
    int rc = corun_csv_stats(&o, &res, &err);
    fclose(o.out);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    /* reference */
    size_t n;
    char *b = test_slurp(in, &n);
    size_t pos = n >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3) ? 3 : 0;
    ref_rec_t r;
    ref_record(b, n, &pos, &r);
    int col = -1;
    for (int i = 0; i < r.nf; i++)
        if (!strcmp(r.f[i], by)) col = i;
    ref_free(&r);
    CU_ASSERT_FATAL(col >= 0);
    enum { G = 512 };
    static char *key[G];
    static long long cnt[G], s[G][3];
    int ng = 0;
    while (pos < n) {
        if (ref_record(b, n, &pos, &r)) continue;
        int g = 0;
        while (g < ng && strcmp(key[g], r.f[col])) g++;
        if (g == ng) {
            key[ng] = strdup(r.f[col]);
            cnt[ng] = s[ng][0] = s[ng][1] = s[ng][2] = 0;
            ng++;
        }
        cnt[g]++;
        s[g][0] += atoll(r.f[8]);
        s[g][1] += llround(atof(r.f[11]) * 100);
        s[g][2] += llround(atof(r.f[13]) * 100);
        ref_free(&r);
    }
    CU_ASSERT_EQUAL(res.groups, (size_t)ng);
    for (int g = 0; g < ng; g++) {
        char line[512];
        int quote = strpbrk(key[g], ",\"\n") != NULL;
        snprintf(line, sizeof line, "\n%s%s%s,%lld,%lld,%lld.%02lld,%lld.%02lld\n", quote ? "\"" : "",
                 key[g], quote ? "\"" : "", cnt[g], s[g][0], s[g][1] / 100, s[g][1] % 100,
                 s[g][2] / 100, s[g][2] % 100);
        if (!quote) {
            if (!strstr(text, line)) fprintf(stderr, "\nmissing %s in\n%s", line, text);
            CU_ASSERT_PTR_NOT_NULL(strstr(text, line));
        }
        free(key[g]);
    }
    free(text);
    free(b);
}

static void test_stats(void) {
    const char *in = gen("stats.csv", 3000, 0.05, 1, 1, 2);
    setenv("CORUN_CSV_MIN_CHUNK", "64", 1);
    for (int t = 1; t <= 2; t++) {
        check_stats(in, "Country", "serial", t);
        check_stats(in, "Country", "omp", t);
        check_stats(in, "Region", "omp", t);
    }
    unsetenv("CORUN_CSV_MIN_CHUNK");
    /* bad amount: named by line and field */
    const char *p = tmp("stats_bad.csv");
    const char *t = "k,Units Sold,Total Revenue,Total Profit\nx,1,2.5,3\nx,1,2.555,3\n";
    spit(p, t, strlen(t));
    static const char *sum[] = {"Total Revenue"};
    corun_csv_stats_opts_t o;
    corun_csv_stats_opts_init(&o);
    o.input = p;
    o.by = "k";
    o.sum = sum;
    o.nsum = 1;
    o.out = stdout;
    corun_err_t err = {0};
    CU_ASSERT_EQUAL(corun_csv_stats(&o, NULL, &err), CORUN_EPARSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "stats_bad.csv:3: field 'Total Revenue' (column 3)"));
}

/* ------------------------------------------------------------ fuzz */

static uint64_t fz_state;
static unsigned fz(unsigned n) { /* xorshift64*: reproducible for a seed */
    fz_state ^= fz_state >> 12;
    fz_state ^= fz_state << 25;
    fz_state ^= fz_state >> 27;
    return (unsigned)((fz_state * UINT64_C(2685821657736338717)) >> 33) % n;
}

/* A random file of ncols columns: plain fields with CR inside, quoted fields
 * with commas, LFs and doubled quotes, fields longer than a 64-byte block,
 * blank lines, LF and CRLF, with or without a final LF; with `bad`, now and
 * then a ragged record or a misplaced quote. Keys come from a small set. */
static size_t fuzz_file(char *b, int ncols, int nrec, int bad) {
    static const char *keys[] = {"a", "b", "Bb", "longer key of 17+", "x y", ""};
    size_t o = 0;
    for (int c = 0; c < ncols; c++) o += (size_t)sprintf(b + o, "%sc%d", c ? "," : "", c);
    o += (size_t)sprintf(b + o, "%s", fz(2) ? "\n" : "\r\n");
    for (int r = 0; r < nrec; r++) {
        if (!fz(15)) o += (size_t)sprintf(b + o, "%s", fz(2) ? "\n" : "\r\n"); /* blank */
        int nf = ncols;
        if (bad && !fz(40)) nf += fz(2) ? 1 : -1;
        for (int c = 0; c < nf; c++) {
            if (c) b[o++] = ',';
            unsigned kind = fz(10);
            if (c == 1 || kind < 3) { /* a key-like value */
                const char *k = keys[fz(6)];
                if (kind == 0) o += (size_t)sprintf(b + o, "\"%s\"", k);
                else o += (size_t)sprintf(b + o, "%s", k);
            } else if (kind < 5) { /* quoted, with separators inside */
                b[o++] = '"';
                int len = (int)fz(90);
                for (int i = 0; i < len; i++) {
                    static const char al[] = "ab,\n\r x";
                    char ch = fz(12) ? al[fz(7)] : '"';
                    b[o++] = ch;
                    if (ch == '"') b[o++] = '"';
                }
                b[o++] = '"';
            } else { /* plain, up to ~2 blocks, CR inside is data */
                int len = (int)fz(140);
                for (int i = 0; i < len; i++) b[o++] = "abcdefgh 12345\r"[fz(15)];
            }
            if (bad && !fz(150)) b[o++] = '"'; /* a bare quote or text after a quote */
        }
        if (r + 1 < nrec || fz(2)) o += (size_t)sprintf(b + o, "%s", fz(3) ? "\n" : "\r\n");
    }
    if (bad && !fz(10)) o += (size_t)sprintf(b + o, "\"unterminated,\n");
    return o;
}

/* The SIMD scanner (csv_fastscan.h) against the byte parser it falls back
 * to (CORUN_CSV_SCALAR=1): the same outputs or the same error message on
 * random valid and invalid files, by every backend and thread count; valid
 * files also against the reference here. */
static void test_split_fuzz(void) {
    /* fewer under sanitizers and in Debug builds, where each split is slower */
    const int files = !strcmp(CORUN_BUILD_TYPE, "Release") && !CORUN_SANITIZERS[0] ? 300 : 60;
    char *b = malloc(1 << 20);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    const char *in = tmp("fuzz.csv"), *d1 = tmp("fuzz_fast"), *d2 = tmp("fuzz_scalar");
    int valid = 0, invalid = 0;
    for (int i = 0; i < files; i++) {
        fz_state = UINT64_C(0x9E3779B97F4A7C15) * (uint64_t)(i + 1);
        int ncols = 2 + (int)fz(4), bad = i % 3 == 2;
        size_t n = fuzz_file(b, ncols, 1 + (int)fz(120), bad);
        spit(in, b, n);
        for (int be = 0; be < 2; be++) {
            int t = be ? 2 : 1;
            setenv("CORUN_CSV_MIN_CHUNK", be ? "97" : "65536", 1);
            corun_err_t e1 = {0}, e2 = {0};
            test_rmtree(d1);
            test_rmtree(d2);
            int r1 = split(in, "c1", d1, be ? "omp" : "serial", t, be ? 1000 : 0, &e1);
            setenv("CORUN_CSV_SCALAR", "1", 1);
            int r2 = split(in, "c1", d2, be ? "omp" : "serial", t, be ? 1000 : 0, &e2);
            unsetenv("CORUN_CSV_SCALAR");
            if (r1 != r2 || strcmp(e1.msg, e2.msg))
                fprintf(stderr, "\nfuzz file %d (%s): fast %d '%s', scalar %d '%s'\n", i,
                        be ? "omp" : "serial", r1, e1.msg, r2, e2.msg);
            CU_ASSERT_EQUAL(r1, r2);
            CU_ASSERT_STRING_EQUAL(e1.msg, e2.msg);
            if (r1 == 0 && r2 == 0) {
                CU_ASSERT(test_same_dir_files(d1, d2, NULL) > 0);
                if (!be) check_split_against_ref(in, "c1", d1);
                valid += !be;
            } else {
                invalid += !be;
            }
        }
    }
    unsetenv("CORUN_CSV_MIN_CHUNK");
    test_rmtree(d1);
    test_rmtree(d2);
    free(b);
    /* the generator must produce both kinds, or this tests little */
    CU_ASSERT(valid > files / 3);
    CU_ASSERT(invalid > files / 10);
}

static const test_case_t cases[] = {
    {"names", test_names},
    {"split_fuzz", test_split_fuzz},
    {"gen", test_gen},
    {"split_generated", test_split_generated},
    {"split_handmade", test_split_handmade},
    {"bad_inputs", test_bad_inputs},
    {"force_and_only", test_force_and_only},
    {"replace_whole", test_replace_whole},
    {"names_invisible", test_names_invisible},
    {"stats", test_stats},
    {NULL, NULL},
};

CORUN_TEST_SUITE(csv, cases)
