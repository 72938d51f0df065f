/* test_snapshots_fuzz.c — restarts from real snapshot files that were
 * damaged on purpose: random byte flips anywhere, flips inside the frames'
 * chunks (the last frame's above all), truncation at random points, and
 * attribute and dataset edits made with h5py. Every restart must either
 * continue bit-identically (exit 0, the final hash of a restart from the
 * undamaged file) or refuse with exit 2 and a message naming the file, and
 * within a time limit, without growing the file by more than the work asked
 * for. Two files: bit-packed frames uncompressed, and byte frames with lz4
 * (gzip where the lz4 plugin is missing).
 *
 * The mutations come from a fixed seed (CORUN_FUZZ_SEED overrides it;
 * CORUN_FUZZ_ROUNDS scales how many), and a failure prints the seed, the
 * mutation and corun's output, so it can be replayed. */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

#define PY "/usr/bin/python3"
#define RESTART_STEPS "20"
#define TIME_LIMIT_S 40 /* per restart: generous, a hang is what it catches */

static char out[1 << 14], err[1 << 14];

static uint64_t rng_state, rng_seed;

static uint64_t rnd(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static long long size_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int copy_file(const char *from, const char *to) {
    size_t n = 0;
    char *b = test_slurp(from, &n);
    FILE *f = b ? fopen(to, "wb") : NULL;
    int ok = f && fwrite(b, 1, n, f) == n;
    if (f) ok &= fclose(f) == 0;
    free(b);
    return ok ? 0 : -1;
}

/* Runs corun with a time limit; stdout/stderr into out/err. Returns the
 * exit status, -signal if killed, or -1000 if it ran past the limit. */
static int run_limited(const char *const *argv) {
    return test_run_corun_limited(argv, TIME_LIMIT_S, out, sizeof out, err, sizeof err);
}

static int restart(const char *path) {
    return run_limited((const char *const[]){"corun", "life", "--restart", path, "--steps",
                                             RESTART_STEPS, "--threads", "1", "--quiet", NULL});
}

static void hash_of(char *hash, size_t n) {
    const char *p = strstr(out, " hash=");
    snprintf(hash, n, "%.16s", p ? p + 6 : "");
}

/* A chunk of a dataset: where its bytes lie in the file. */
typedef struct chunk {
    char name[16];
    long long index, offset, size;
} chunk_t;

typedef struct base {
    const char *label;
    char path[600];
    long long size, growth; /* growth: what an undamaged restart adds */
    char hash[32];          /* the undamaged restart's final hash */
    chunk_t chunks[256];
    int nchunks, last_frame; /* last_frame: index into chunks of the last frame's first */
    int failures, continued, refused;
} base_t;

static int rounds(void) {
    const char *r = getenv("CORUN_FUZZ_ROUNDS");
    int n = r ? atoi(r) : 0;
#ifdef CORUN_SANITIZERS
    const int sanitized = sizeof CORUN_SANITIZERS > 1; /* ASan/UBSan: each restart is slower */
#else
    const int sanitized = 0;
#endif
    return n > 0 ? n : sanitized ? 5 : 16;
}

/* The base file, the reference restart and the chunk map (one h5py call). */
static int make_base(base_t *b, const char *name, const char *const *extra) {
    snprintf(b->path, sizeof b->path, "%s", test_tmp_path(name));
    unlink(b->path);
    const char *argv[32] = {"corun", "life", "--size", "150x96", "--steps", "60",
                            "--snapshot-every", "10", "--out", b->path, "--quiet"};
    int n = 11;
    for (int i = 0; extra[i]; i++) argv[n++] = extra[i];
    argv[n] = NULL;
    if (run_limited(argv) != 0) {
        fprintf(stderr, "\nfuzz %s: making the base file failed: %s\n", b->label, err);
        return -1;
    }
    b->size = size_of(b->path);
    const char *ref = test_tmp_path("fuzz_ref.h5");
    copy_file(b->path, ref);
    if (restart(ref) != 0) {
        fprintf(stderr, "\nfuzz %s: restart from the undamaged file failed: %s\n", b->label, err);
        return -1;
    }
    hash_of(b->hash, sizeof b->hash);
    b->growth = size_of(ref) - b->size;
    char cmd[1600], map[600];
    snprintf(map, sizeof map, "%s/fuzz_chunks.txt", test_tmp_dir());
    snprintf(cmd, sizeof cmd,
             PY " -c \"import h5py\nf=h5py.File('%s','r')\nfor n in ('frames','generation',"
                "'population'):\n d=f[n].id\n for i in range(d.get_num_chunks()):\n  "
                "c=d.get_chunk_info(i)\n  print(n, c.chunk_offset[0], c.byte_offset, c.size)\" > %s",
             b->path, map);
    if (system(cmd) != 0) return -1;
    FILE *m = fopen(map, "r");
    b->nchunks = 0;
    long long last = -1;
    while (m && b->nchunks < 256) {
        chunk_t *c = &b->chunks[b->nchunks];
        if (fscanf(m, "%15s %lld %lld %lld", c->name, &c->index, &c->offset, &c->size) != 4) break;
        if (!strcmp(c->name, "frames") && c->index > last) {
            last = c->index;
            b->last_frame = b->nchunks;
        }
        b->nchunks++;
    }
    if (m) fclose(m);
    return b->nchunks > 0 ? 0 : -1;
}

/* Restarts from the damaged copy and checks the outcome. */
static void check_outcome(base_t *b, const char *path, const char *what) {
    long long before = size_of(path);
    time_t t0 = time(NULL);
    int rc = restart(path);
    long long after = size_of(path);
    char hash[32];
    hash_of(hash, sizeof hash);
    b->continued += rc == 0;
    b->refused += rc == 2;
    const char *bad = NULL;
    if (rc == -1000) bad = "ran past the time limit";
    else if (rc < 0) bad = "killed by a signal (crash)";
    else if (rc == 0 && strcmp(hash, b->hash)) bad = "exit 0 with another final hash";
    else if (rc == 2 && !strstr(err, path)) bad = "exit 2 without a message naming the file";
    else if (rc != 0 && rc != 2) bad = "an exit code other than 0 or 2";
    else if (after > before + 2 * b->growth + 65536) bad = "the file grew beyond the work asked for";
    else if (rc == 2 && after > before) bad = "a refused restart grew the file";
    if (!bad) return;
    b->failures++;
    char keep[700];
    snprintf(keep, sizeof keep, "%s.failed%d", path, b->failures);
    copy_file(path, keep); /* (the mutated file as it was is gone: the restart ran) */
    fprintf(stderr,
            "\nfuzz %s (CORUN_FUZZ_SEED=%llu): %s: %s (rc %d, %ld s, size %lld -> %lld, hash %s, "
            "want %s)\n  stderr: %s\n",
            b->label, (unsigned long long)rng_seed, what, bad, rc, (long)(time(NULL) - t0),
            before, after, hash, b->hash, err);
}

static void flip_bytes(const char *path, long long at, int n) {
    int fd = open(path, O_RDWR);
    for (int i = 0; fd >= 0 && i < n; i++) {
        unsigned char c;
        if (pread(fd, &c, 1, at + i) != 1) break;
        c ^= (unsigned char)(1u << (rnd() % 8)) | (unsigned char)(n > 1 ? rnd() : 0);
        if (pwrite(fd, &c, 1, at + i) != 1) break;
    }
    if (fd >= 0) close(fd);
}

static void fuzz_bytes(base_t *b) {
    const char *m = test_tmp_path("fuzz_m.h5");
    char what[160];
    for (int r = 0; r < rounds(); r++) {
        /* anywhere: metadata, attributes, heaps, data */
        copy_file(b->path, m);
        long long at = (long long)(rnd() % (uint64_t)b->size);
        int n = 1 + (int)(rnd() % 4);
        flip_bytes(m, at, n);
        snprintf(what, sizeof what, "%d bytes flipped at %lld of %lld", n, at, b->size);
        check_outcome(b, m, what);
        /* inside a chunk: the last frame half of the time */
        copy_file(b->path, m);
        const chunk_t *c = &b->chunks[rnd() % 2 ? b->last_frame : (int)(rnd() % (uint64_t)b->nchunks)];
        at = c->offset + (long long)(rnd() % (uint64_t)c->size);
        n = 1 + (int)(rnd() % 64);
        if (at + n > c->offset + c->size) n = (int)(c->offset + c->size - at);
        flip_bytes(m, at, n);
        snprintf(what, sizeof what, "%d bytes flipped at %lld, in chunk %lld of /%s", n, at,
                 c->index, c->name);
        check_outcome(b, m, what);
    }
}

static void fuzz_truncate(base_t *b) {
    const char *m = test_tmp_path("fuzz_m.h5");
    char what[120];
    for (int r = 0; r < rounds() / 3 + 1; r++) {
        copy_file(b->path, m);
        long long at = (long long)(rnd() % (uint64_t)b->size);
        CU_ASSERT_EQUAL(truncate(m, at), 0);
        snprintf(what, sizeof what, "truncated to %lld of %lld bytes", at, b->size);
        check_outcome(b, m, what);
    }
}

/* Edits made with h5py, one copy each, in one python process. */
static void fuzz_edits(base_t *b) {
    static const char *const edits[] = {
        "f.attrs['rule']='B36/S23'",
        "f.attrs['boundary']='dead'",
        "f.attrs['width']=numpy.int64(149)",
        "f.attrs['height']=numpy.int64(97)",
        "f.attrs['snapshot_every']=numpy.int64(7)",
        "f.attrs['compression']='none'",
        "f.attrs['frame_format']='bits' if f.attrs['frame_format']=='bytes' else 'bytes'",
        "f.attrs['checksum']='crc32'",
        "del f.attrs['rule']",
        "f['generation'][3]=f['generation'][4]",
        "f['generation'][-1]=f['generation'][-1]+1",
        "f['generation'][-1]=10**15",
        "f['population'].resize((30,))",
        "f['frames'].resize((f['frames'].shape[0]-1,)+f['frames'].shape[1:])",
        "f['frames'][-1]=f['frames'][0]",
        "d=f['frames'][()]; del f['frames']; f.create_dataset('frames', data=d, "
        "maxshape=(None,)+d.shape[1:], chunks=(1,)+d.shape[1:])",
        "f['runs'].attrs['x']=1; del f['runs']; f['runs']=numpy.zeros(3)",
        "f.attrs['status']='running'",
        "f['population'][5]=123456",
    };
    const int n = (int)(sizeof edits / sizeof *edits);
    char script[600];
    snprintf(script, sizeof script, "%s/fuzz_edit.py", test_tmp_dir());
    FILE *s = fopen(script, "w");
    if (!s) return;
    fprintf(s, "import sys, h5py, numpy\nedits = [\n");
    for (int i = 0; i < n; i++) fprintf(s, "    \"%s\",\n", edits[i]);
    fprintf(s, "]\nfor i, p in enumerate(sys.argv[1:]):\n"
               "    f = h5py.File(p, 'a')\n    exec(edits[i])\n    f.close()\n");
    fclose(s);
    char cmd[1 << 15];
    int k = snprintf(cmd, sizeof cmd, PY " %s", script);
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "fuzz_e%d.h5", i);
        const char *p = test_tmp_path(name);
        copy_file(b->path, p);
        k += snprintf(cmd + k, sizeof cmd - (size_t)k, " %s", p);
    }
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "fuzz_e%d.h5", i);
        check_outcome(b, test_tmp_path(name), edits[i]);
    }
}

static void fuzz_one(const char *label, const char *name, const char *const *extra) {
    base_t b;
    memset(&b, 0, sizeof b);
    b.label = label;
    const char *seed = getenv("CORUN_FUZZ_SEED");
    rng_state = rng_seed = seed ? strtoull(seed, NULL, 10) : 20260601u;
    CU_ASSERT_EQUAL_FATAL(make_base(&b, name, extra), 0);
    CU_ASSERT(b.growth > 0);
    fuzz_edits(&b);
    fuzz_bytes(&b);
    fuzz_truncate(&b);
    fprintf(stderr, "\nfuzz %s: %d restarts continued identically, %d refused, %d wrong\n",
            label, b.continued, b.refused, b.failures);
    CU_ASSERT_EQUAL(b.failures, 0);
    /* every edit but three (status, an old population, nothing the
     * restart reads) and every flip in the last frame must be refused */
    CU_ASSERT(b.refused >= 12 + rounds() / 4);
}

static void test_fuzz_bits(void) {
    fuzz_one("bits", "fuzz_bits.h5", (const char *const[]){NULL});
}

static void test_fuzz_bytes_compressed(void) {
    int lz4 = system(PY " -c \"import h5py, sys; sys.exit(not h5py.h5z.filter_avail(32004))\"") == 0;
    fuzz_one(lz4 ? "bytes+lz4" : "bytes+gzip", "fuzz_bytes.h5",
             (const char *const[]){"--snapshot-format", "bytes", "--compress",
                                   lz4 ? "lz4" : "gzip", NULL});
}

static const test_case_t cases[] = {
    {"damaged bit-packed files: identical continuation or exit 2", test_fuzz_bits},
    {"damaged byte/compressed files: identical continuation or exit 2",
     test_fuzz_bytes_compressed},
    {NULL, NULL},
};
CORUN_TEST_SUITE(snapshots_fuzz, cases)
