/* rule.c — Life-like rules: parsing B/S and S/B notation with Hensel's letters, formatting, truth table. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "corun/life.h"
#include "life/rule_int.h"

/* A Hensel letter of some count (count 4 has all 13), in either case. */
static int is_letter(char c) { return corun_life_hensel_letter(4, tolower((unsigned char)c)) >= 0; }

/* Reads one half's counts into masks[0..8] (rule_int.h's letter masks): a
 * digit alone takes the whole count, a digit with Hensel letters (either
 * case) only those, "-" and letters all but those. `what` names the half
 * ("birth" or "survival") for the message. Returns the first char not
 * taken. */
static const char *read_digits(const char *p, uint16_t masks[9], const char *what,
                               const char *text, int *rc, corun_err_t *err) {
    memset(masks, 0, 9 * sizeof masks[0]);
    while (*p && *p != '/') {
        if (*p == '9') {
            *rc = corun_err_set(err, CORUN_EINVAL,
                                "rule '%s': %s count 9 is impossible (a cell has 8 neighbours)",
                                text, what);
            return p;
        }
        if (!isdigit((unsigned char)*p)) {
            int letter = is_letter(*p) || *p == '-';
            *rc = corun_err_set(err, CORUN_EINVAL,
                                letter ? "rule '%s': '%c' in the %s counts must follow a count "
                                         "digit (Hensel letters as in B2-a/S12)"
                                       : "rule '%s': unexpected character '%c' in the %s "
                                         "counts (expected digits 0-8 and Hensel letters)",
                                text, *p, what);
            return p;
        }
        int c = *p++ - '0';
        if (masks[c]) {
            *rc = corun_err_set(err, CORUN_EINVAL, "rule '%s': %s count %d is repeated", text,
                                what, c);
            return p - 1;
        }
        int minus = *p == '-';
        if (minus) p++;
        uint16_t set = 0;
        for (; is_letter(*p); p++) {
            int ch = tolower((unsigned char)*p);
            int l = corun_life_hensel_letter(c, ch);
            if (l < 0) {
                if (corun_life_hensel_letters(c))
                    *rc = corun_err_set(err, CORUN_EINVAL,
                                        "rule '%s': %s count %d has no Hensel letter '%c' (its "
                                        "letters are %s)",
                                        text, what, c, *p, corun_life_hensel_names(c));
                else
                    *rc = corun_err_set(err, CORUN_EINVAL,
                                        "rule '%s': %s count %d takes no letters (only counts "
                                        "1-7 have Hensel letters)",
                                        text, what, c);
                return p;
            }
            if (set >> l & 1) {
                *rc = corun_err_set(err, CORUN_EINVAL,
                                    "rule '%s': letter '%c' of %s count %d is repeated", text,
                                    ch, what, c);
                return p;
            }
            set |= (uint16_t)(1u << l);
        }
        uint16_t full = corun_life_hensel_full(c);
        /* "2" and "2-" (Golly reads both) are the whole count; "2-a" all but a */
        masks[c] = !set ? full : minus ? (uint16_t)(full & ~set) : set;
        if (!masks[c]) masks[c] = 0x8000u; /* "2-cekain": no neighbourhood, but seen */
    }
    return p;
}

int corun_life_rule_parse(const char *text, corun_life_rule_t *out, corun_err_t *err) {
    if (!text || !*text)
        return corun_err_set(err, CORUN_EINVAL, "empty rule (expected e.g. B3/S23 or 23/3)");
    const char *slash = strchr(text, '/');
    if (!slash)
        return corun_err_set(err, CORUN_EINVAL,
                             "rule '%s': missing '/' (expected B<digits>/S<digits>, e.g. B3/S23, "
                             "or the S/B form 23/3)",
                             text);
    if (strchr(slash + 1, '/'))
        return corun_err_set(err, CORUN_EINVAL, "rule '%s': more than one '/'", text);

    int rc = 0;
    uint16_t first[9], second[9], born[9], survive[9];
    char a = (char)toupper((unsigned char)text[0]);
    char b = (char)toupper((unsigned char)slash[1]);
    corun_life_rule_t r;
    if (a == 'B' || a == 'S') {
        /* B/S notation, either order, letters required on both halves. */
        if (b != 'B' && b != 'S')
            return corun_err_set(err, CORUN_EINVAL,
                                 "rule '%s': the part after '/' must start with %c", text,
                                 a == 'B' ? 'S' : 'B');
        if (a == b)
            return corun_err_set(err, CORUN_EINVAL, "rule '%s': '%c' appears twice", text, a);
        read_digits(text + 1, first, a == 'B' ? "birth" : "survival", text, &rc, err);
        if (rc) return rc;
        read_digits(slash + 2, second, b == 'B' ? "birth" : "survival", text, &rc, err);
        if (rc) return rc;
        memcpy(born, a == 'B' ? first : second, sizeof born);
        memcpy(survive, a == 'B' ? second : first, sizeof survive);
    } else {
        /* S/B notation: survival digits, '/', birth digits. */
        read_digits(text, first, "survival", text, &rc, err);
        if (rc) return rc;
        read_digits(slash + 1, second, "birth", text, &rc, err);
        if (rc) return rc;
        memcpy(survive, first, sizeof survive);
        memcpy(born, second, sizeof born);
    }
    for (int c = 0; c <= 8; c++) { /* drop the "seen but empty" marker */
        born[c] &= 0x7fffu;
        survive[c] &= 0x7fffu;
    }
    corun_life_hensel_build(born, survive, &r);
    *out = r;
    return 0;
}

void corun_life_rule_format(corun_life_rule_t r, char *buf, size_t n) {
    if (r.iso) {
        corun_life_hensel_format(&r, buf, n);
        return;
    }
    char tmp[24];
    size_t k = 0;
    tmp[k++] = 'B';
    for (int i = 0; i <= 8; i++)
        if (r.born >> i & 1) tmp[k++] = (char)('0' + i);
    tmp[k++] = '/';
    tmp[k++] = 'S';
    for (int i = 0; i <= 8; i++)
        if (r.survive >> i & 1) tmp[k++] = (char)('0' + i);
    tmp[k] = '\0';
    snprintf(buf, n, "%s", tmp);
}

int corun_life_rule_apply(corun_life_rule_t r, int alive, int neighbours) {
    return alive ? (r.survive >> neighbours & 1) : (r.born >> neighbours & 1);
}

int corun_life_rule_next(const corun_life_rule_t *r, unsigned k) {
    k &= 0x1ffu;
    if (r->iso) return (int)(r->table[k >> 6] >> (k & 63) & 1);
    return corun_life_rule_apply(*r, (int)(k >> 4 & 1), __builtin_popcount(k & 0x1efu));
}

int corun_life_rule_equal(const corun_life_rule_t *a, const corun_life_rule_t *b) {
    if (a->born != b->born || a->survive != b->survive || a->iso != b->iso) return 0;
    return !a->iso || !memcmp(a->table, b->table, sizeof a->table);
}
