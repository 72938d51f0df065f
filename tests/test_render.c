/* test_render.c — `corun render` and `corun life --write-png`: pictures of
 * snapshot frames decoded by an independent reader (PIL, through
 * tests/render_check.py) and compared pixel by pixel with the frames h5py
 * reads; block-reduced pictures of a large grid against numpy's sums of the
 * same formula, with and without the file's /previews; RLE and .cells
 * exports read back by corun (and by bgolly where it is installed); the
 * error cases. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char out[1 << 16], err[1 << 16];
#define RUN(...)                                                                                   \
    test_run_corun((const char *const[]){"corun", __VA_ARGS__, NULL}, out, sizeof out, err,       \
                   sizeof err)

/* 1 if this corun writes PNG and GIF (corun info says which libraries). */
static int pictures_built(void) {
    static int known = -1;
    if (known < 0) {
        RUN("info");
        known = strstr(out, "images: none") == NULL;
    }
    return known;
}

/* render_check.py compare: `groups` is "IMAGE FRAMES BLOCK SCALE ..." (one
 * python start for several pictures). */
static int check_all(const char *h5, const char *groups) {
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/../render_check.py compare %s %s",
             test_data_dir(), h5, groups);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int check(const char *h5, const char *image, const char *frames, int block, int scale) {
    char g[4200];
    snprintf(g, sizeof g, "%s %s %d %d", image, frames, block, scale);
    return check_all(h5, g);
}

static int add_previews(const char *h5) {
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/../render_check.py previews %s",
             test_data_dir(), h5);
    return system(cmd);
}

/* A small odd-sized run: frames at 0, 10, 20, 30. */
static const char *small_run(const char *name, const char *size, const char *boundary,
                             const char *format) {
    const char *p = test_tmp_path(name);
    unlink(p);
    CU_ASSERT_EQUAL(RUN("life", "--size", size, "--boundary", boundary, "--snapshot-format",
                        format, "--steps", "30", "--snapshot-every", "10", "--out", p, "--quiet",
                        "--no-summary"),
                    0);
    return p;
}

static int file_bytes_equal(const char *path, const char *copy_of) {
    size_t a = 0, b = 0;
    char *x = test_slurp(path, &a), *y = test_slurp(copy_of, &b);
    int same = x && y && a == b && !memcmp(x, y, a);
    free(x);
    free(y);
    return same;
}

static void render_small(const char *file) {
    char h5[4096], groups[8192] = ""; /* test_tmp_path's buffers are reused */
    snprintf(h5, sizeof h5, "%s", file);
    size_t at = 0;
#define PIC(name, frames, block, scale)                                                            \
    at += (size_t)snprintf(groups + at, sizeof groups - at, " %s %s %d %d", test_tmp_path(name),    \
                           frames, block, scale)
    static const char *const names[] = {"s.png", "s10.png", "s_x3.png", "s.gif", "s_4.png",
                                        "s_5.gif"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unlink(test_tmp_path(names[i]));
    test_rmtree(test_tmp_path("s_frames"));
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", test_tmp_path("s.png")), 0); /* default: the last */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "frames=1 first_generation=30"));
    PIC("s.png", "3", 1, 1);
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "10", "-o", test_tmp_path("s10.png")), 0);
    PIC("s10.png", "1", 1, 1);
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "20", "--scale", "3", "-o",
                        test_tmp_path("s_x3.png")),
                    0);
    PIC("s_x3.png", "2", 1, 3);
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", test_tmp_path("s.gif")), 0); /* default: every frame */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "frames=4"));
    PIC("s.gif", "0,1,2,3", 1, 1);
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "0,20-30", "-o", test_tmp_path("s_frames")), 0);
    PIC("s_frames", "0,2,3", 1, 1);
    CU_ASSERT_EQUAL(access(test_tmp_path("s_frames/frame-00000020.png"), F_OK), 0);
    /* block-reduced pictures of a small grid too (odd edges clipped) */
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "last", "--scale", "1/4", "-o",
                        test_tmp_path("s_4.png")),
                    0);
    PIC("s_4.png", "3", 4, 1);
    CU_ASSERT_EQUAL(RUN("render", h5, "--scale", "1/5", "--delay", "50", "-o",
                        test_tmp_path("s_5.gif")),
                    0);
    PIC("s_5.gif", "0,1,2,3", 5, 1);
#undef PIC
    CU_ASSERT_EQUAL(check_all(h5, groups), 0);
}

static void test_small_torus_bits(void) {
    if (!pictures_built()) return;
    char h5[4096], copy[8300];
    snprintf(h5, sizeof h5, "%s", small_run("torus_bits.h5", "37x23", "torus", "bits"));
    snprintf(copy, sizeof copy, "cp %s %s.orig", h5, h5);
    CU_ASSERT_EQUAL(system(copy), 0);
    render_small(h5);
    /* read-only: the snapshot file is byte for byte what it was */
    snprintf(copy, sizeof copy, "%s.orig", h5);
    CU_ASSERT(file_bytes_equal(h5, copy));
}

static void test_small_dead_bytes(void) {
    if (!pictures_built()) return;
    render_small(small_run("dead_bytes.h5", "45x19", "dead", "bytes"));
}

/* 3000x2100: one pixel per 3x3 block by default (ceil(3000/1024) = 3).
 * Without its previews (as files of format version 1 are), so that the
 * pictures come from the frames; add_previews puts them back. */
static const char *large_run(const char *name, const char *format) {
    const char *p = test_tmp_path(name);
    unlink(p);
    CU_ASSERT_EQUAL(RUN("life", "--size", "3000x2100", "--steps", "2", "--snapshot-every", "1",
                        "--init", "random:0.3:7", "--snapshot-format", format, "--out", p,
                        "--quiet", "--no-summary"),
                    0);
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','a'); del f['previews']; del f.attrs['preview_block']; "
                            "f.attrs['format_version']='1'",
                            p),
                    0);
    return p;
}

static void test_large_block_reduced(void) {
    if (!pictures_built()) return;
    const char *h5 = large_run("large.h5", "bits");
    const char *png = test_tmp_path("large.png"), *gif = test_tmp_path("large.gif");
    unlink(png), unlink(gif);
    const char *png64 = test_tmp_path("large_64.png");
    unlink(png64);
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", png), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "picture=1000x700 block=3 scale=1 from_previews=0"));
    CU_ASSERT_EQUAL(RUN("render", h5, "--scale", "1/7", "--frames", "0-1", "-o", gif), 0);
    CU_ASSERT_EQUAL(RUN("render", h5, "--scale", "1/64", "--frames", "1", "-o", png64), 0);
    char groups[8192];
    snprintf(groups, sizeof groups, "%s 2 3 1 %s 0,1 7 1 %s 1 64 1", png, gif, png64);
    CU_ASSERT_EQUAL(check_all(h5, groups), 0);
}

/* With /previews (as docs/FORMAT.md defines them) the same pictures; the
 * previews are used where their block is the one asked for. (Byte frames
 * here, bit frames above.) */
static void test_large_with_previews(void) {
    if (!pictures_built()) return;
    const char *h5 = large_run("large_prev.h5", "bytes");
    CU_ASSERT_EQUAL(add_previews(h5), 0);
    const char *png = test_tmp_path("large_prev.png"), *gif = test_tmp_path("large_prev.gif");
    unlink(png), unlink(gif);
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", gif), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "frames=3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "block=3 scale=1 from_previews=3"));
    CU_ASSERT_EQUAL(check(h5, gif, "0,1,2", 3, 1), 0);
    /* another block: from the frames */
    CU_ASSERT_EQUAL(RUN("render", h5, "--scale", "1/5", "-o", png), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "from_previews=0"));
    CU_ASSERT_EQUAL(check(h5, png, "2", 5, 1), 0);
    /* proof that the previews are what is shown: altered ones show up */
    const char *t = h5;
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','a'); p=f['previews']; p[1:]=p[1:]^0x55", t), 0);
    CU_ASSERT_EQUAL(RUN("render", t, "--frames", "0", "-o", png, "--force"), 0);
    CU_ASSERT_EQUAL(check(t, png, "0", 3, 1), 0);
    CU_ASSERT_EQUAL(RUN("render", t, "--frames", "2", "-o", png, "--force"), 0);
    CU_ASSERT_EQUAL(check(t, png, "2", 3, 1), 1);
    /* previews that do not fit the grid are refused */
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','a'); f.attrs['preview_block']=numpy.int64(4)", t),
                    0);
    CU_ASSERT_EQUAL(RUN("render", t, "-o", png, "--force"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "preview_block is 4"));
}

/* The hash corun life prints for a pattern file read back at generation 0. */
static int hash_of_init(const char *pattern, char *hash, size_t n) {
    int rc = RUN("life", "--init", pattern, "--steps", "0", "--quiet");
    const char *h = strstr(out, "hash=");
    if (rc || !h) return -1;
    snprintf(hash, n, "%.16s", h + 5);
    return 0;
}

static int hash_of_run(const char *size, const char *boundary, const char *steps, char *hash,
                       size_t n) {
    int rc = RUN("life", "--size", size, "--boundary", boundary, "--steps", steps, "--quiet");
    const char *h = strstr(out, "hash=");
    if (rc || !h) return -1;
    snprintf(hash, n, "%.16s", h + 5);
    return 0;
}

static void export_case(const char *h5, const char *size, const char *boundary,
                        const char *suffix) {
    const char *rle = test_tmp_path("export.rle"), *cells = test_tmp_path("export.cells");
    char want[32], got[32];
    unlink(rle), unlink(cells);
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "20", "-o", rle), 0);
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "20", "-o", cells), 0);
    CU_ASSERT_EQUAL(hash_of_run(size, boundary, "20", want, sizeof want), 0);
    CU_ASSERT_EQUAL(hash_of_init(rle, got, sizeof got), 0);
    CU_ASSERT_STRING_EQUAL(got, want);
    CU_ASSERT_EQUAL(hash_of_init(cells, got, sizeof got), 0);
    CU_ASSERT_STRING_EQUAL(got, want);
    /* the header: size, rule and Golly's bounded-grid suffix */
    size_t len = 0;
    char *text = test_slurp(rle, &len);
    CU_ASSERT_PTR_NOT_NULL(text && strstr(text, suffix));
    free(text);
    /* and it runs on: 10 more generations from the RLE (size, rule and
     * boundary from its header) are generation 30 of the file */
    CU_ASSERT_EQUAL(hash_of_run(size, boundary, "30", want, sizeof want), 0);
    CU_ASSERT_EQUAL(RUN("life", "--init", rle, "--steps", "10", "--quiet"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    /* bgolly reads it as the same bounded grid: the same population 10
     * generations on as the file's /population at generation 30 */
    if (access("/usr/bin/bgolly", X_OK) == 0) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/bgolly -m 10 %s > %s.bgolly 2>&1 && /usr/bin/python3 -c \"import "
                 "h5py,sys\nlast=open('%s.bgolly').read().split()[-1]\n"
                 "f=h5py.File('%s','r')\nsys.exit(int(last)!=int(f['population'][30]))\"",
                 rle, rle, rle, h5);
        CU_ASSERT_EQUAL(system(cmd), 0);
    }
}

static void test_export_patterns(void) {
    export_case(small_run("export_torus.h5", "37x23", "torus", "bits"), "37x23", "torus",
                "rule = B3/S23:T37,23");
    export_case(small_run("export_dead.h5", "45x19", "dead", "bytes"), "45x19", "dead",
                "rule = B3/S23:P45,19");
}

static void test_write_png(void) {
    const char *png = test_tmp_path("final.png"), *h5 = test_tmp_path("final.h5");
    unlink(png), unlink(h5);
    if (!pictures_built()) {
        CU_ASSERT_EQUAL(RUN("life", "--size", "41x27", "--steps", "7", "--write-png", png), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "built without PNG"));
        return;
    }
    CU_ASSERT_EQUAL(RUN("life", "--size", "41x27", "--steps", "7", "--write-png", png, "--out",
                        h5, "--quiet"),
                    0);
    CU_ASSERT_EQUAL(check(h5, png, "1", 1, 1), 0);
    /* the overwrite rule: only with --force */
    CU_ASSERT_EQUAL(RUN("life", "--size", "41x27", "--steps", "7", "--write-png", png), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists (use --force to replace it)"));
    /* a large grid: block densities, as corun render draws its frames */
    const char *bigpng = test_tmp_path("final_big.png"), *bigh5 = test_tmp_path("final_big.h5");
    unlink(bigpng), unlink(bigh5);
    CU_ASSERT_EQUAL(RUN("life", "--size", "2100x1030", "--steps", "1", "--write-png", bigpng,
                        "--out", bigh5, "--quiet"),
                    0);
    CU_ASSERT_EQUAL(check(bigh5, bigpng, "1", 3, 1), 0);
}

static void test_errors(void) {
    /* own copies: test_tmp_path's buffers are reused after eight calls */
    char h5[4096], png[4096], rle[4096], dir[4096];
    snprintf(h5, sizeof h5, "%s", small_run("errors.h5", "70x10", "torus", "bits"));
    snprintf(png, sizeof png, "%s", test_tmp_path("errors.png"));
    snprintf(rle, sizeof rle, "%s", test_tmp_path("exists.rle"));
    snprintf(dir, sizeof dir, "%s", test_tmp_path("errors_dir"));
    /* read-side errors with an export, which every build writes */
    char e[4096];
    snprintf(e, sizeof e, "%s", test_tmp_path("e.rle"));
    unlink(png);
    /* no such file, not HDF5 */
    CU_ASSERT_EQUAL(RUN("render", test_tmp_path("missing.h5"), "-o", e), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "corun: render: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "missing.h5: no such file"));
    const char *text = test_write_tmp("text.h5", "not hdf5\n");
    CU_ASSERT_EQUAL(RUN("render", text, "-o", e), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an HDF5 file"));
    /* a damaged frame is named (the chunk checksum); the others render */
    char bad[4096], cmd[9000];
    snprintf(bad, sizeof bad, "%s", test_tmp_path("damaged.h5"));
    snprintf(cmd, sizeof cmd, "cp %s %s", h5, bad);
    CU_ASSERT_EQUAL(system(cmd), 0);
    CU_ASSERT_EQUAL(test_py("f=h5py.File('%s','r'); c=f['frames'].id.get_chunk_info_by_coord((1,0,0))\n"
                            "o=c.byte_offset; n=f.filename; f.close(); d=open(n,'r+b')\n"
                            "d.seek(o+16); b=bytearray(d.read(32)); d.seek(o+16)\n"
                            "d.write(bytes(x^0x5a for x in b)); d.close()",
                            bad),
                    0);
    CU_ASSERT_EQUAL(RUN("render", bad, "--frames", "10", "-o", test_tmp_path("d.rle")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "frame 1 (generation 10) is damaged"));
    CU_ASSERT_EQUAL(RUN("render", bad, "--frames", "20", "-o", test_tmp_path("d.rle")), 0);
    /* a generation without a frame: the message names those there are */
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "15", "-o", e), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "has no frame at generation 15"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "generations 0, 10, 20, 30"));
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "31-99", "-o", e), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no frame in that range"));
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "ten", "-o", e), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "is not all, last"));
    /* one frame for .png, .rle, .cells */
    CU_ASSERT_EQUAL(RUN("render", h5, "--frames", "all", "-o", test_tmp_path("e.rle")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "takes one frame, but --frames all selects 4"));
    /* unknown output type, no output, no file */
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", test_tmp_path("x.jpg")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown output type '.jpg'"));
    CU_ASSERT_EQUAL(RUN("render", h5), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no output given (-o)"));
    CU_ASSERT_EQUAL(RUN("render", "-o", png), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no snapshot file given"));
    CU_ASSERT_EQUAL(RUN("render", h5, "--scale", "0", "-o", png), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "scale: '0' is not auto"));
    CU_ASSERT_EQUAL(RUN("render", h5, "--scale", "2", "-o", test_tmp_path("e.rle")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--scale applies to pictures"));
    /* an existing output: only with --force (exports too) */
    test_write_tmp("exists.rle", "old\n");
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", rle), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists (use --force to replace it)"));
    size_t len = 0;
    char *kept = test_slurp(rle, &len);
    CU_ASSERT_STRING_EQUAL(kept ? kept : "", "old\n");
    free(kept);
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", rle, "--force"), 0);
    CU_ASSERT_EQUAL(test_tmp_siblings("exists.rle"), 0); /* no lock or temporary left */
    if (!pictures_built()) {
        CU_ASSERT_EQUAL(RUN("render", h5, "-o", png), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "built without PNG"));
        return;
    }
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", png), 0);
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", png), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists (use --force to replace it)"));
    /* a folder: only one of frame pictures is replaced */
    test_rmtree(dir);
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", dir), 0);
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", dir), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "exists (use --force to replace it)"));
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", dir, "--force", "--frames", "10"), 0);
    test_write_tmp("errors_dir/notes.txt", "mine\n");
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", dir, "--force"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "notes.txt was not written by this command"));
    /* a GIF wider than GIF allows */
    CU_ASSERT_EQUAL(RUN("render", h5, "--scale", "1024", "-o", test_tmp_path("wide.gif")), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "more than GIF takes"));
}

/* A file a running corun is writing, with and without --swmr: the frames
 * listed so far are rendered; after the writer is killed (a --swmr file
 * stays marked open for writing) every listed frame, pixel for pixel. */
static void running_case(const char *swmr) {
    char h5[4096], gif[4096];
    snprintf(h5, sizeof h5, "%s", test_tmp_path("running.h5"));
    snprintf(gif, sizeof gif, "%s", test_tmp_path("running.gif"));
    unlink(h5), unlink(gif);
    pid_t pid = test_spawn_corun((const char *const[]){
        "corun", "life", "--size", "300x200", "--steps", "100000000", "--snapshot-every", "20000",
        "--out", h5, "--quiet", "--threads", "1", swmr, NULL});
    int ok = 0;
    for (int i = 0; i < 200 && !ok; i++) {
        test_sleep_ms(50);
        ok = access(h5, F_OK) == 0 &&
             test_py("try:\n f=h5py.File('%s','r',libver='latest',swmr=True,locking=False)\n"
                     " n=len(f['generation'])\nexcept Exception: n=0\nsys.exit(n<3)",
                     h5) == 0;
    }
    CU_ASSERT(ok);
    int rc = RUN("render", h5, "-o", gif);
    if (rc) fprintf(stderr, "%s", err);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "first_generation=0"));
    CU_ASSERT_EQUAL(RUN("render", h5, "-o", gif, "--force"), 0);
    const char *n = strstr(out, "frames=");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    char frames[4096] = "0", groups[8300];
    for (long k = 1; k < atol(n + 7) && strlen(frames) < 4000; k++)
        snprintf(frames + strlen(frames), sizeof frames - strlen(frames), ",%ld", k);
    snprintf(groups, sizeof groups, "%s %s 1 1", gif, frames);
    CU_ASSERT_EQUAL(check_all(h5, groups), 0);
}

static void test_running_file(void) {
    if (!pictures_built()) return;
    running_case(NULL); /* ends the argument list: no --swmr */
    running_case("--swmr");
}

/* The preview functions directly: values by the formula from a byte grid,
 * and the same values from counts added in arbitrary pieces of rows with a
 * window of block rows (how a writer or an MPI slab may feed them). */
static void test_preview_functions(void) {
    CU_ASSERT_EQUAL(corun_life_preview_block(1024, 1024, 1024), 1);
    CU_ASSERT_EQUAL(corun_life_preview_block(1025, 10, 1024), 2);
    CU_ASSERT_EQUAL(corun_life_preview_block(3000, 2100, 1024), 3);
    CU_ASSERT_EQUAL(corun_life_preview_block(65536, 65536, 1024), 64);
    CU_ASSERT_EQUAL(corun_life_preview_block(70000, 5, 1024), 69);
    /* every lane block (8 to 64 cells, the lane-popcount paths) and others
     * (the general one), widths past a 64-byte column and not multiples
     * of the block, areas that are powers of two (a shift) and not */
    static const int64_t shapes[][3] = {{131, 77, 8},   {256, 64, 16},  {300, 45, 16},
                                        {2100, 33, 16}, {1000, 70, 32}, {4096, 96, 32},
                                        {700, 130, 64}, {129, 20, 8},   {200, 50, 12},
                                        {1030, 9, 3}};
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {
        const int64_t w = shapes[si][0], h = shapes[si][1], b = shapes[si][2];
        const int64_t pw = (w + b - 1) / b, ph = (h + b - 1) / b;
        corun_life_grid_t g;
        corun_err_t e = {0};
        CU_ASSERT_EQUAL_FATAL(corun_life_grid_init(&g, w, h, &e), 0);
        corun_life_grid_fill_random(&g, si == 3 ? 1.0 : 0.37, 11 + (uint64_t)si, 0, 1);
        uint8_t *whole = malloc((size_t)(pw * ph)), *pieces = malloc((size_t)(pw * ph));
        uint64_t *counts = malloc((size_t)(2 * pw) * sizeof *counts);
        CU_ASSERT_FATAL(whole && pieces && counts);
        CU_ASSERT_EQUAL(corun_life_preview_grid(&g, b, whole, &e), 0);
        int bad = 0;
        for (int64_t by = 0; by < ph; by++)
            for (int64_t bx = 0; bx < pw; bx++) {
                uint64_t live = 0, area = 0;
                for (int64_t y = by * b; y < h && y < (by + 1) * b; y++)
                    for (int64_t x = bx * b; x < w && x < (bx + 1) * b; x++)
                        live += (uint64_t)corun_life_grid_get(&g, x, y), area++;
                bad += whole[by * pw + bx] != (uint8_t)((255 * live + area / 2) / area);
            }
        CU_ASSERT_EQUAL(bad, 0);
        /* pieces of 5 rows, counts of a window of two block rows at a time */
        for (int64_t by0 = 0; by0 < ph; by0 += 2) {
            memset(counts, 0, (size_t)(2 * pw) * sizeof *counts);
            int64_t y1 = (by0 + 2) * b < h ? (by0 + 2) * b : h;
            for (int64_t y = by0 * b; y < y1; y += 5) {
                int64_t n = y1 - y < 5 ? y1 - y : 5;
                corun_life_preview_count(corun_life_grid_row(&g, y), g.stride, w, y, n, b, by0,
                                         counts);
            }
            for (int64_t by = by0; by < by0 + 2 && by < ph; by++)
                corun_life_preview_values(counts + (by - by0) * pw, w, h, b, by, pieces + by * pw);
        }
        CU_ASSERT_EQUAL(memcmp(whole, pieces, (size_t)(pw * ph)), 0);
        free(whole);
        free(pieces);
        free(counts);
        corun_life_grid_close(&g);
    }
}

static const test_case_t cases[] = {
    {"preview_functions", test_preview_functions},
    {"small_torus_bits", test_small_torus_bits},
    {"small_dead_bytes", test_small_dead_bytes},
    {"large_block_reduced", test_large_block_reduced},
    {"large_with_previews", test_large_with_previews},
    {"export_patterns", test_export_patterns},
    {"write_png", test_write_png},
    {"errors", test_errors},
    {"running_file", test_running_file},
    {NULL, NULL},
};
CORUN_TEST_SUITE(render, cases)
