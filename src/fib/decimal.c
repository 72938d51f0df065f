/* decimal.c — the decimal string of a huge integer on several threads.
 *
 * mpz_get_str is subquadratic but single-threaded. We cut the number into
 * decimal pieces by division and convert the pieces on a team of threads:
 *
 *   v = Q * 10^K + R      Q, the head: about 20 % of the digits
 *   R = R1 * 10^(K/2) + R0, each half again, ... down to leaves of at most
 *                         LEAF_DIGITS digits, which mpz_get_str converts.
 *
 * Every split is a task (par.c), so the threads balance themselves; the
 * head is one more task, converted by mpz_get_str while the other threads
 * split R.
 *
 * Why a small head rather than halves: the first division cannot be shared,
 * and while it runs the other threads wait. Halving v costs a division of a
 * 2n-digit number by an n-digit one; splitting off a small head costs a
 * division with a small quotient plus the product Q * 5^K, whose two halves
 * run on two threads. At F(10^8) the first step took 0.6 s instead of
 * 1.15 s, and the whole conversion 0.71-0.95x the time of the halving
 * version (median 0.88x, 8 interleaved pairs).
 *
 * Two more savings:
 * - divide by 5^k rather than 10^k. 10^k = 5^k * 2^k and the 2^k part is a
 *   shift:  y = v >> k, low = v mod 2^k,  y = q * 5^k + r5  =>
 *   r = r5 * 2^k + low. 5^k has 2.32k bits instead of 3.32k.
 * - K = m * 2^L, so all nodes of a level have the same width and one table
 *   of powers serves the whole tree: pow[j] = 5^(K >> (j+1)), each the
 *   square of the next. (mpz_get_str on each piece would compute its own.)
 *
 * Each piece is written straight into the result, zero-padded to its width;
 * the leading zeros of the whole are stripped at the end.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fib/fib_int.h"

#define SPLIT_LIMBS 20000   /* below ~400k digits mpz_get_str takes milliseconds */
#define LEAF_DIGITS 50000   /* F(10^8): leaves of 50k-100k digits beat 400k */
/* The head's share of the digits. While one thread splits R in halves (a
 * large division), the others convert the head: too small a head leaves
 * them idle, too large a one makes the first division larger. F(10^9),
 * 2 threads, two interleaved pairs: 20 % took 54.8 / 59.3 s, 15 % 57.5 /
 * 60.5 s (at F(10^8) 15 % was ahead of 25 % and 35 %). */
#define HEAD_PERMILLE 200
#define PAR_MUL_LIMBS 2000  /* the head's product on two threads from this size */
#define MAX_LEVELS 62

typedef struct dec_tree {
    int levels;
    mpz_t pow[MAX_LEVELS]; /* pow[j] = 5^(K >> (j+1)) */
    atomic_int rc;         /* first failure of any task */
} dec_tree_t;

/* A piece: exactly `width` digits of v go to out. Owned by its task. */
typedef struct dec_node {
    dec_tree_t *t;
    mpz_t v;
    char *out;
    size_t width;
    int level; /* t->levels: a leaf */
} dec_node_t;

static void fail(dec_tree_t *t, int rc) {
    int ok = 0;
    atomic_compare_exchange_strong(&t->rc, &ok, rc);
}

/* v < 10^width as exactly width digits, zero-padded on the left. */
static void put_padded(dec_tree_t *t, char *out, size_t width, mpz_srcptr v) {
    if (mpz_sgn(v) == 0) {
        memset(out, '0', width);
        return;
    }
    char *s = malloc(mpz_sizeinbase(v, 10) + 2);
    if (!s) {
        fail(t, CORUN_ENOMEM);
        return;
    }
    mpz_get_str(s, 10, v);
    size_t l = strlen(s);
    if (l > width) { /* cannot happen: every piece is below 10^width */
        fail(t, CORUN_EINTERNAL);
    } else {
        memset(out, '0', width - l);
        memcpy(out + (width - l), s, l);
    }
    free(s);
}

/* v = q * 10^k + r by way of 5^k (see the top); consumes v. */
static void split5(mpz_ptr q, mpz_ptr r, mpz_ptr v, size_t k, mpz_srcptr p5) {
    mpz_tdiv_r_2exp(r, v, (mp_bitcnt_t)k); /* low */
    mpz_tdiv_q_2exp(q, v, (mp_bitcnt_t)k); /* y */
    mpz_clear(v);
    mpz_t r5;
    mpz_init(r5);
    mpz_tdiv_qr(q, r5, q, p5);
    mpz_mul_2exp(r5, r5, (mp_bitcnt_t)k);
    mpz_add(r, r, r5);
    mpz_clear(r5);
}

static dec_node_t *node_new(dec_tree_t *t, char *out, size_t width, int level) {
    dec_node_t *n = malloc(sizeof *n);
    if (!n) {
        fail(t, CORUN_ENOMEM);
        return NULL;
    }
    *n = (dec_node_t){.t = t, .out = out, .width = width, .level = level};
    mpz_init(n->v);
    return n;
}

static void node_free(dec_node_t *n) {
    mpz_clear(n->v);
    free(n);
}

static void node_run(void *arg) {
    dec_node_t *n = arg;
    dec_tree_t *t = n->t;
    while (n->level < t->levels && !atomic_load(&t->rc)) {
        /* widths are m << (levels - level): even above the leaves */
        size_t k = n->width >> 1;
        dec_node_t *hi = node_new(t, n->out, n->width - k, n->level + 1);
        dec_node_t *lo = hi ? node_new(t, n->out + (n->width - k), k, n->level + 1) : NULL;
        if (!lo) {
            if (hi) node_free(hi);
            break;
        }
        split5(hi->v, lo->v, n->v, k, t->pow[n->level]);
        free(n); /* its v was consumed */
        fib_par_spawn(node_run, hi);
        n = lo; /* and go on with the low half here */
    }
    if (n->level == t->levels && !atomic_load(&t->rc)) put_padded(t, n->out, n->width, n->v);
    node_free(n);
}

/* ---------------------------------------------------------- the head step */

typedef struct table_job {
    dec_tree_t *t;
    size_t m; /* K >> levels */
} table_job_t;

static void table_run(void *arg) {
    table_job_t *j = arg;
    int L = j->t->levels;
    for (int i = L - 1; i >= 0; i--) {
        mpz_init(j->t->pow[i]);
        if (i == L - 1) mpz_ui_pow_ui(j->t->pow[i], 5, (unsigned long)j->m);
        else mpz_mul(j->t->pow[i], j->t->pow[i + 1], j->t->pow[i + 1]);
    }
}

typedef struct pow_job {
    mpz_ptr out;
    size_t e;
} pow_job_t;

static void pow_run(void *arg) {
    pow_job_t *j = arg;
    mpz_ui_pow_ui(j->out, 5, (unsigned long)j->e);
}

/* head = v div 10^K, rest = v mod 10^K, given p5 = 5^K. The quotient is
 * small, so the costly part is head * 5^K: two products of half of 5^K. */
static void split_head(int threads, mpz_ptr head, mpz_ptr rest, mpz_srcptr v, size_t K,
                       mpz_srcptr p5) {
    mpz_t y, a, b, ph, pl;
    mpz_inits(y, a, b, ph, pl, NULL);
    mpz_tdiv_q_2exp(y, v, (mp_bitcnt_t)K);
    mpz_tdiv_r_2exp(rest, v, (mp_bitcnt_t)K);
    mpz_tdiv_q(head, y, p5);
    size_t h = mpz_sizeinbase(p5, 2) / 2;
    mpz_tdiv_q_2exp(ph, p5, (mp_bitcnt_t)h);
    mpz_tdiv_r_2exp(pl, p5, (mp_bitcnt_t)h);
    fib_par_mul2(mpz_size(head) >= PAR_MUL_LIMBS ? threads : 1, a, head, ph, b, head, pl);
    mpz_mul_2exp(a, a, (mp_bitcnt_t)h);
    mpz_add(a, a, b);  /* head * 5^K */
    mpz_sub(y, y, a);  /* y mod 5^K */
    mpz_mul_2exp(y, y, (mp_bitcnt_t)K);
    mpz_add(rest, rest, y);
    mpz_clears(y, a, b, ph, pl, NULL);
}

typedef struct root_job {
    dec_node_t *head, *rest;
} root_job_t;

static void root_run(void *arg) {
    root_job_t *j = arg;
    fib_par_spawn(node_run, j->head);
    node_run(j->rest);
}

/* The whole string with one mpz_get_str. */
static int convert_one(const mpz_t v, char **out, size_t *len) {
    char *s = malloc(mpz_sizeinbase(v, 10) + 2);
    if (!s) return CORUN_ENOMEM;
    mpz_get_str(s, 10, v);
    *out = s;
    *len = strlen(s);
    return 0;
}

static int convert_tree(const mpz_t v, int threads, size_t leaf_digits, unsigned head_permille,
                        char **out, size_t *len) {
    size_t n = mpz_sizeinbase(v, 10); /* the digits, or one more */
    size_t head = n * head_permille / 1000;
    if (head < 1) head = 1;
    if (head > n - 1) head = n - 1;
    size_t kt = n - head;
    if (leaf_digits < 1) leaf_digits = 1;
    dec_tree_t *t = calloc(1, sizeof *t);
    char *s = malloc(n + 1);
    dec_node_t *hn = t ? node_new(t, s, 0, 0) : NULL;
    dec_node_t *rn = hn ? node_new(t, s, 0, 0) : NULL;
    if (!s || !rn) {
        if (rn) node_free(rn);
        if (hn) node_free(hn);
        free(t);
        free(s);
        return CORUN_ENOMEM;
    }
    while ((kt >> t->levels) > leaf_digits && t->levels < MAX_LEVELS) t->levels++;
    size_t m = kt >> t->levels, K = m << t->levels;
    /* The table and 5^K at once: independent powers. */
    mpz_t pk;
    mpz_init(pk);
    table_job_t tj = {t, m};
    pow_job_t pj = {pk, K};
    fib_par2(threads, table_run, &tj, pow_run, &pj);
    split_head(threads, hn->v, rn->v, v, K, pk);
    mpz_clear(pk);
    /* head: the first n - K digits (with leading zeros); rest: the last K */
    hn->width = n - K;
    hn->level = t->levels; /* one leaf: mpz_get_str */
    rn->out = s + (n - K);
    rn->width = K;
    root_job_t rj = {hn, rn};
    fib_par_tasks(threads, root_run, &rj);
    for (int i = 0; i < t->levels; i++) mpz_clear(t->pow[i]);
    int rc = atomic_load(&t->rc);
    free(t);
    if (rc) {
        free(s);
        return rc;
    }
    size_t z = 0;
    while (z + 1 < n && s[z] == '0') z++;
    memmove(s, s + z, n - z);
    s[n - z] = '\0';
    *out = s;
    *len = n - z;
    return 0;
}

int fib_decimal_tuned(const mpz_t v, int threads, size_t split_limbs, size_t leaf_digits,
                      unsigned head_permille, char **out, size_t *len, corun_err_t *err) {
    corun_fib_mem_init();
    *out = NULL;
    *len = 0;
    if (mpz_sgn(v) < 0)
        return corun_err_set(err, CORUN_EINVAL, "decimal: value is negative");
    if (head_permille < 1 || head_permille > 999)
        return corun_err_set(err, CORUN_EINVAL, "decimal: head of %u per mille is not in 1..999",
                             head_permille);
    int rc = threads < 2 || mpz_size(v) < split_limbs || mpz_sizeinbase(v, 10) < 2
                 ? convert_one(v, out, len)
                 : convert_tree(v, threads, leaf_digits, head_permille, out, len);
    if (rc == CORUN_ENOMEM)
        return corun_err_set(err, rc, "decimal: out of memory for a %zu-digit string",
                             mpz_sizeinbase(v, 10));
    if (rc) return corun_err_set(err, rc, "decimal: a piece came out wider than its place");
    return 0;
}

int corun_fib_decimal(const mpz_t v, int threads, char **out, size_t *len, corun_err_t *err) {
    return fib_decimal_tuned(v, threads, SPLIT_LIMBS, LEAF_DIGITS, HEAD_PERMILLE, out, len, err);
}
