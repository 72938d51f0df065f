/* parse.c — strict number parsing shared by the CLI, configs and file readers.
 * Strict means: the whole string, base 10, no overflow, nothing after it. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "corun/core.h"

int corun_parse_i64(const char *s, int64_t *out) {
    if (!s || !*s || isspace((unsigned char)*s)) return CORUN_EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno == ERANGE) return CORUN_ERANGE;
    if (*end != '\0' || end == s) return CORUN_EINVAL;
    *out = (int64_t)v;
    return 0;
}

int corun_parse_u64(const char *s, uint64_t *out) {
    if (!s || !isdigit((unsigned char)*s)) return CORUN_EINVAL;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno == ERANGE) return CORUN_ERANGE;
    if (*end != '\0') return CORUN_EINVAL;
    *out = (uint64_t)v;
    return 0;
}

int corun_parse_double(const char *s, double *out) {
    if (!s || !*s || isspace((unsigned char)*s)) return CORUN_EINVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno == ERANGE || !isfinite(v)) return CORUN_ERANGE;
    if (*end != '\0' || end == s) return CORUN_EINVAL;
    *out = v;
    return 0;
}

/* Splits "A<sep>B" into two strictly parsed integers. */
static int parse_pair(const char *s, const char *seps, int64_t *a, int64_t *b) {
    if (!s) return CORUN_EINVAL;
    const char *p = strpbrk(s, seps);
    if (!p || p == s || p[1] == '\0') return CORUN_EINVAL;
    char head[64];
    size_t n = (size_t)(p - s);
    if (n >= sizeof head) return CORUN_ERANGE;
    memcpy(head, s, n);
    head[n] = '\0';
    int rc = corun_parse_i64(head, a);
    if (rc) return rc;
    return corun_parse_i64(p + 1, b);
}

int corun_parse_size(const char *s, int64_t *w, int64_t *h) {
    int rc = parse_pair(s, "xX", w, h);
    if (rc) return rc;
    return (*w < 1 || *h < 1) ? CORUN_ERANGE : 0;
}

int corun_parse_xy(const char *s, int64_t *x, int64_t *y) {
    int rc = parse_pair(s, ",", x, y);
    if (rc) return rc;
    return (*x < 0 || *y < 0) ? CORUN_ERANGE : 0;
}
