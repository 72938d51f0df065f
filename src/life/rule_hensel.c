/* rule_hensel.c — isotropic non-totalistic rules (Hensel notation): the
 * letters of each neighbour count, the 512-entry table a rule becomes, and
 * the canonical name Golly prints.
 *
 * A neighbour count k (1..7) splits into "letters": the classes of its
 * C(8,k) neighbourhoods under rotation and reflection (the 8 symmetries of
 * the square). Each letter is given here by one member, drawn as the 3x3
 * block around the cell ("o" alive, "." dead, the cell itself in the
 * middle); the rest of the class is its images. Counts 5..7 use the same
 * letters as 8-k with dead and alive swapped, as Golly defines them. The
 * members were checked against bgolly 3.3 (tests/golly_oracle.py runs
 * isotropic rules through both), and the classes of each count are checked
 * to partition its neighbourhoods (tests/test_rule.c).
 */
#include <string.h>

#include "life/rule_int.h"

/* Letters of each count in Golly's table order. */
static const char *const letters[9] = {"",           "ce",         "cekain",
                                       "cekainyqjr", "cekainyqjrtwz", "cekainyqjr",
                                       "cekain",     "ce",         ""};

/* One member of each letter of counts 1..4, in the order of letters[]:
 * rows north to south, the middle character is the cell. */
static const char *const members[5][13] = {
    {0},
    {"o.. ... ...", ".o. ... ..."},
    {"o.o ... ...", ".o. o.. ...", "..o o.. ...", "oo. ... ...", "... o.o ...", "..o ... o.."},
    {"o.o ... o..", ".o. o.o ...", ".o. ..o o..", "oo. o.. ...", "ooo ... ...", "o.o o.. ...",
     "o.. ..o o..", ".oo ... o..", ".oo o.. ...", "o.. o.o ..."},
    {"o.o ... o.o", ".o. o.o .o.", "oo. ..o o..", "ooo o.. ...", "o.o o.o ...", "ooo ... o..",
     "o.o ..o o..", ".oo ..o o..", ".o. o.o o..", "oo. o.o ...", "o.. o.o o..", ".oo o.. o..",
     "..o o.o o.."},
};

/* The neighbour bits of a neighbourhood index (bit 4, the cell, excluded). */
#define NEIGHBOURS 0x1efu

static unsigned from_drawing(const char *d) {
    unsigned k = 0;
    for (int row = 0; row < 3; row++)
        for (int col = 0; col < 3; col++)
            if (d[row * 4 + col] == 'o') k |= 1u << (3 * row + col);
    return k;
}

/* The image of neighbourhood k under symmetry s (0..7): s & 3 quarter
 * turns, then a mirror if s & 4. */
static unsigned image(unsigned k, int s) {
    unsigned out = 0;
    for (int b = 0; b < 9; b++) {
        if (!(k >> b & 1)) continue;
        int dx = b % 3 - 1, dy = b / 3 - 1;
        for (int t = 0; t < (s & 3); t++) {
            int ndx = -dy, ndy = dx;
            dx = ndx;
            dy = ndy;
        }
        if (s & 4) dx = -dx;
        out |= 1u << (3 * (dy + 1) + dx + 1);
    }
    return out;
}

int corun_life_hensel_letters(int count) {
    return count >= 0 && count <= 8 ? (int)strlen(letters[count]) : 0;
}

const char *corun_life_hensel_names(int count) {
    return count >= 0 && count <= 8 ? letters[count] : "";
}

int corun_life_hensel_letter(int count, int c) {
    if (count < 1 || count > 7) return -1;
    const char *p = strchr(letters[count], c);
    return c && p ? (int)(p - letters[count]) : -1;
}

unsigned corun_life_hensel_member(int count, int letter) {
    if (count == 0) return 0;
    if (count == 8) return NEIGHBOURS;
    if (count <= 4) return from_drawing(members[count][letter]);
    return NEIGHBOURS & ~from_drawing(members[8 - count][letter]);
}

int corun_life_hensel_class(unsigned k) {
    unsigned nb = k & NEIGHBOURS;
    int count = __builtin_popcount(nb);
    int n = corun_life_hensel_letters(count);
    for (int l = 0; l < n; l++) {
        unsigned m = corun_life_hensel_member(count, l);
        for (int s = 0; s < 8; s++)
            if (image(m, s) == nb) return l;
    }
    return 0; /* counts 0 and 8: one class */
}

/* Masks of a complete count: bit l for each letter (counts 0 and 8: bit 0). */
uint16_t corun_life_hensel_full(int count) {
    int n = corun_life_hensel_letters(count);
    return (uint16_t)(n ? (1u << n) - 1 : 1u);
}

void corun_life_hensel_build(const uint16_t born[9], const uint16_t survive[9],
                             corun_life_rule_t *r) {
    memset(r, 0, sizeof *r);
    int partial = 0;
    for (int c = 0; c <= 8; c++) {
        uint16_t full = corun_life_hensel_full(c);
        if (born[c] == full) r->born |= (uint16_t)(1u << c);
        if (survive[c] == full) r->survive |= (uint16_t)(1u << c);
        partial |= (born[c] && born[c] != full) || (survive[c] && survive[c] != full);
    }
    if (!partial) return;
    r->iso = 1;
    for (unsigned k = 0; k < 512; k++) {
        int count = __builtin_popcount(k & NEIGHBOURS);
        const uint16_t *m = k >> 4 & 1 ? survive : born;
        if (m[count] >> corun_life_hensel_class(k) & 1) r->table[k >> 6] |= 1ull << (k & 63);
    }
}

/* Appends one part ("B2-a3" or "S12") of an isotropic rule to buf at *k. */
static void format_part(const corun_life_rule_t *r, char tag, unsigned cell, char *buf,
                        size_t *k) {
    buf[(*k)++] = tag;
    for (int c = 0; c <= 8; c++) {
        int n = corun_life_hensel_letters(c), total = n ? n : 1;
        uint16_t have = 0;
        for (int l = 0; l < total; l++)
            if (corun_life_rule_next(r, corun_life_hensel_member(c, l) | cell)) have |= 1u << l;
        int p = __builtin_popcount(have);
        if (p == 0) continue;
        buf[(*k)++] = (char)('0' + c);
        if (p == total) continue;
        /* Golly's choice: the shorter form; the letters on a tie. Letters
         * in alphabetical order. */
        int minus = total - p + 1 < p;
        if (minus) buf[(*k)++] = '-';
        for (char a = 'a'; a <= 'z'; a++) {
            int l = corun_life_hensel_letter(c, a);
            if (l >= 0 && (have >> l & 1) != minus) buf[(*k)++] = a;
        }
    }
}

void corun_life_hensel_format(const corun_life_rule_t *r, char *buf, size_t n) {
    char tmp[CORUN_LIFE_RULE_TEXT_MAX];
    size_t k = 0;
    format_part(r, 'B', 0, tmp, &k);
    tmp[k++] = '/';
    format_part(r, 'S', 1u << 4, tmp, &k);
    tmp[k] = '\0';
    if (n) {
        strncpy(buf, tmp, n - 1);
        buf[n - 1] = '\0';
    }
}
