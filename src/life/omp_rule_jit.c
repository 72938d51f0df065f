/* omp_rule_jit.c — an outer-totalistic rule compiled at run time into a
 * few AVX-512 instructions, for the AVX-512 row kernels
 * (omp_conway_avx512.h).
 *
 * Why: those kernels evaluate a rule as four tables over the adders' planes
 * (x, k, y), each one vpternlogq whose immediate is the table, and three
 * multiplexers. An immediate is part of the instruction, so compiled code
 * can only reach it by a jump per table and vector to the case of the
 * table's value (omp_rule_switch_x86_64.S), and those jumps cost more than
 * the eleven instructions of the rule itself: that path ran at about 0.55x
 * B3/S23 on one thread. Here the rule's immediates are written into a small
 * function once per rule, and the kernels call it (one call and return per
 * vector: about 0.7x; the same code with the immediates known to the
 * compiler measured 0.8-0.9x).
 *
 * The function uses a calling convention of its own, omp_rule_switch's
 * (the kernels call it from inline assembly, which names every register it
 * touches):
 *   in:  zmm26 alive, zmm27 x, zmm28 k, zmm29 y, zmm30 s0 (rax: unused here)
 *   out: zmm31 next state;  clobbered: zmm24, zmm25, zmm27
 * Only the instructions named above are emitted (EVEX-encoded vmovdqa64
 * and vpternlogq between registers, and ret), so no memory is touched.
 *
 * Executable memory: each rule gets its own page, written while it is
 * read-write and made read+execute before it is published, never written
 * again (no page is ever both writable and executable, and code another
 * thread runs is never changed). Pages are kept for the life of the
 * process, at most OMP_JIT_RULES of them; past that, or where the system
 * refuses executable mappings (some hardened kernels do), or with
 * CORUN_OMP_JIT=0 in the environment, omp_rule_jit returns NULL and the
 * kernels call omp_rule_switch instead, which gives the same bits.
 */
#include "life/omp_rule_jit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#define OMP_JIT_X86 1
#endif

#ifdef OMP_JIT_X86

/* One EVEX-encoded 512-bit instruction between registers: map mm (1: 0F,
 * 3: 0F3A), prefix 66, W1; reg = dst, rm = src, vvvv = src2 (-1: none).
 * Register numbers 0..31; EVEX stores the high bits inverted. */
static uint8_t *evex_rr(uint8_t *p, int mm, uint8_t op, int dst, int src2, int rm) {
    int v = src2 < 0 ? 0 : src2;
    *p++ = 0x62;
    *p++ = (uint8_t)((!(dst & 8) << 7) | (!(rm & 16) << 6) | (!(rm & 8) << 5) |
                     (!(dst & 16) << 4) | mm);
    *p++ = (uint8_t)(0x80 | ((~v & 15) << 3) | 0x04 | 0x01); /* W1, vvvv, 66 */
    *p++ = (uint8_t)(0x40 | (src2 < 0 || !(v & 16) ? 0x08 : 0)); /* L'L = 512, V' */
    *p++ = op;
    *p++ = (uint8_t)(0xC0 | ((dst & 7) << 3) | (rm & 7));
    return p;
}

static uint8_t *emit_mov(uint8_t *p, int dst, int src) { return evex_rr(p, 1, 0x6F, dst, -1, src); }

/* dst = f(dst, b, c), f given by its immediate (bit 4a + 2b + c). */
static uint8_t *emit_tern(uint8_t *p, int dst, int b, int c, uint8_t imm) {
    p = evex_rr(p, 3, 0x25, dst, b, c);
    *p++ = imm;
    return p;
}

/* The immediate of (a, b, c) -> b ? c : a, and of b ? a : c. */
enum { IMM_B_C_A = 0xB8, IMM_B_A_C = 0xE2 };

enum { Z_T0 = 24, Z_T1 = 25, Z_ALIVE = 26, Z_X = 27, Z_K = 28, Z_Y = 29, Z_S0 = 30, Z_OUT = 31 };

/* The code for tables t (corun_life_rule_tables), into p; returns its end.
 * A pair of tables that agree needs no multiplexer. */
static uint8_t *emit_rule(uint8_t *p, corun_life_rule_tables_t t) {
    const uint8_t ob = CORUN_LIFE_TERNLOG_IMM(t.odd_b), os = CORUN_LIFE_TERNLOG_IMM(t.odd_s);
    const uint8_t eb = CORUN_LIFE_TERNLOG_IMM(t.even_b), es = CORUN_LIFE_TERNLOG_IMM(t.even_s);
    /* odd = alive ? os(x,k,y) : ob(x,k,y), into OUT */
    p = emit_mov(p, Z_OUT, Z_X);
    p = emit_tern(p, Z_OUT, Z_K, Z_Y, ob);
    if (os != ob) {
        p = emit_mov(p, Z_T0, Z_X);
        p = emit_tern(p, Z_T0, Z_K, Z_Y, os);
        p = emit_tern(p, Z_OUT, Z_ALIVE, Z_T0, IMM_B_C_A);
    }
    /* even = alive ? es : eb, into T1 (x is not needed after it) */
    p = emit_mov(p, Z_T1, Z_X);
    p = emit_tern(p, Z_T1, Z_K, Z_Y, eb);
    if (es != eb) {
        p = emit_tern(p, Z_X, Z_K, Z_Y, es);
        p = emit_tern(p, Z_T1, Z_ALIVE, Z_X, IMM_B_C_A);
    }
    /* next = s0 ? odd : even */
    p = emit_tern(p, Z_OUT, Z_S0, Z_T1, IMM_B_A_C);
    *p++ = 0xC3; /* ret */
    return p;
}

#define OMP_JIT_RULES 256

static struct {
    pthread_mutex_t lock;
    int n;    /* entries filled */
    int dead; /* executable memory refused or CORUN_OMP_JIT=0: stop trying */
    int off;  /* omp_rule_jit_enable(0) */
    struct {
        corun_life_rule_tables_t t;
        const void *fn;
    } e[OMP_JIT_RULES];
} jit = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, {{{0, 0, 0, 0}, NULL}}};

static int same_tables(corun_life_rule_tables_t a, corun_life_rule_tables_t b) {
    return a.odd_b == b.odd_b && a.odd_s == b.odd_s && a.even_b == b.even_b &&
           a.even_s == b.even_s;
}

static const void *jit_build(corun_life_rule_tables_t t) {
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0) page = 4096;
    uint8_t *mem = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                        -1, 0);
    if (mem == MAP_FAILED) return NULL;
    emit_rule(mem, t);
    if (mprotect(mem, (size_t)page, PROT_READ | PROT_EXEC) != 0) {
        munmap(mem, (size_t)page);
        return NULL;
    }
    return mem;
}

const void *omp_rule_jit(corun_life_rule_tables_t t) {
    t.odd_b &= 31u, t.odd_s &= 31u, t.even_b &= 31u, t.even_s &= 31u;
    if (__atomic_load_n(&jit.off, __ATOMIC_RELAXED)) return NULL;
    /* Entries are published by the release store of n (under the lock) and
     * never change after, so readers need only an acquire load of n. */
    int n = __atomic_load_n(&jit.n, __ATOMIC_ACQUIRE);
    for (int i = 0; i < n; i++)
        if (same_tables(jit.e[i].t, t)) return jit.e[i].fn;
    const void *fn = NULL;
    pthread_mutex_lock(&jit.lock);
    n = jit.n;
    for (int i = 0; i < n && !fn; i++)
        if (same_tables(jit.e[i].t, t)) fn = jit.e[i].fn;
    if (!fn && !jit.dead && n < OMP_JIT_RULES) {
        const char *env = getenv("CORUN_OMP_JIT");
        if (env && strcmp(env, "0") == 0) {
            jit.dead = 1;
        } else if ((fn = jit_build(t)) != NULL) {
            jit.e[n].t = t;
            jit.e[n].fn = fn;
            __atomic_store_n(&jit.n, n + 1, __ATOMIC_RELEASE);
        } else {
            jit.dead = 1;
        }
    }
    pthread_mutex_unlock(&jit.lock);
    return fn;
}

void omp_rule_jit_enable(int on) { __atomic_store_n(&jit.off, !on, __ATOMIC_RELAXED); }

#else /* not x86-64 Linux: the kernels call omp_rule_switch */

void omp_rule_jit_enable(int on) { (void)on; }

const void *omp_rule_jit(corun_life_rule_tables_t t) {
    (void)t;
    return NULL;
}

#endif
