/* rule.c — Life-like rules: parsing B/S and S/B notation, formatting, truth table. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "corun/life.h"

/* Reads a run of neighbour-count digits into *mask. `what` names the part
 * ("birth" or "survival") for the message. Returns the first char not taken. */
static const char *read_digits(const char *p, uint16_t *mask, const char *what, const char *text,
                               int *rc, corun_err_t *err) {
    *mask = 0;
    for (; *p && *p != '/'; p++) {
        if (*p == '9') {
            *rc = corun_err_set(err, CORUN_EINVAL,
                                "rule '%s': %s count 9 is impossible (a cell has 8 neighbours)",
                                text, what);
            return p;
        }
        if (!isdigit((unsigned char)*p)) {
            *rc = corun_err_set(err, CORUN_EINVAL,
                                "rule '%s': unexpected character '%c' in the %s counts "
                                "(expected digits 0-8)",
                                text, *p, what);
            return p;
        }
        uint16_t bit = (uint16_t)(1u << (*p - '0'));
        if (*mask & bit) {
            *rc = corun_err_set(err, CORUN_EINVAL, "rule '%s': %s count %c is repeated", text, what,
                                *p);
            return p;
        }
        *mask |= bit;
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
    uint16_t first, second;
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
        read_digits(text + 1, &first, a == 'B' ? "birth" : "survival", text, &rc, err);
        if (rc) return rc;
        read_digits(slash + 2, &second, b == 'B' ? "birth" : "survival", text, &rc, err);
        if (rc) return rc;
        r.born = a == 'B' ? first : second;
        r.survive = a == 'B' ? second : first;
    } else {
        /* S/B notation: survival digits, '/', birth digits. */
        read_digits(text, &first, "survival", text, &rc, err);
        if (rc) return rc;
        read_digits(slash + 1, &second, "birth", text, &rc, err);
        if (rc) return rc;
        r.survive = first;
        r.born = second;
    }
    *out = r;
    return 0;
}

void corun_life_rule_format(corun_life_rule_t r, char *buf, size_t n) {
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
