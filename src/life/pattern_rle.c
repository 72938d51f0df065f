/* pattern_rle.c — the RLE pattern format: reader (corun_life_rle_parse) and
 * writer (corun_life_rle_write).
 *
 * What is read (the format Golly and LifeWiki document):
 *   #N name / #C comment / #O author / #R / #P / #CXRLE ...   comment lines,
 *                                      anywhere before the '!' (#CXRLE's Pos
 *                                      and Gen are not used: --at places)
 *   #r B36/S23                         a rule, as Golly reads it; one that
 *                                      disagrees with the header's is an error
 *   x = 3, y = 3, rule = B3/S23:T64,64  header, starting with x; spaces
 *                                      optional, each key once, rule optional
 *                                      and last, Golly's bounded-grid suffix
 *                                      :T (torus) or :P (plane, dead edges) w,h
 *   bo$2bo$3o!                         runs: [count]tag, tag b/. dead, o/A
 *                                      alive, $ end of row; '!' ends the data
 * Blanks and line breaks (LF, CR LF, CR) between runs are ignored; a run
 * count may be split by line breaks, as Golly joins it, but a space or tab
 * inside a count is an error. Anything after the first '!' is ignored.
 * The reader is strict where Golly is lenient (a run past the declared
 * width, rows past the declared height, unknown letters, a missing '!')
 * because a mangled file should stop a batch job, not run something
 * slightly different. Every message names the file and the line.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "corun/life.h"

/* Longest data line the writer emits; Golly and LifeWiki use 70. */
#define RLE_LINE_MAX 70

/* A cursor over the text that knows its line number for messages. */
typedef struct rle_in {
    const char *p, *end;
    const char *name;
    int line;
} rle_in_t;

/* Returns the end of the current line: its '\n' or '\r', or the end of the
 * text. Lines end as Golly's reader ends them: LF, CR LF or a lone CR. */
static const char *line_end(const rle_in_t *in) {
    const char *e = in->p;
    while (e < in->end && *e != '\n' && *e != '\r') e++;
    return e;
}

/* Moves past the current line and its line break (CR LF counts as one). */
static void next_line(rle_in_t *in) {
    const char *e = line_end(in);
    if (e < in->end) e += *e == '\r' && e + 1 < in->end && e[1] == '\n' ? 2 : 1;
    in->p = e;
    in->line++;
}

static int is_blank(int c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

/* First non-blank character of the current line, or NULL if it has none. */
static const char *first_nonblank(const rle_in_t *in) {
    const char *e = line_end(in);
    for (const char *q = in->p; q < e; q++)
        if (!is_blank((unsigned char)*q)) return q;
    return NULL;
}

static const char *skip_blanks(const char *q, const char *e) {
    while (q < e && is_blank((unsigned char)*q)) q++;
    return q;
}

/* Reads a decimal number of at most 18 digits (so it cannot overflow int64);
 * returns the character after it, or NULL if there is no number or it is
 * too long. */
static const char *read_number(const char *q, const char *e, int64_t *out) {
    int64_t v = 0;
    int n = 0;
    while (q < e && isdigit((unsigned char)*q)) {
        if (++n > 18) return NULL;
        v = v * 10 + (*q - '0');
        q++;
    }
    if (n == 0) return NULL;
    *out = v;
    return q;
}

/* Parses the bounded-grid suffix after ':' (Golly: T = torus, P = plane, each
 * followed by w,h or by a single w meaning a w x w grid). A zero dimension
 * means unbounded in that direction in Golly; corun's grids are finite. */
static int parse_bounded(const char *s, const char *name, int line, corun_life_pattern_t *p,
                         corun_err_t *err) {
    const char *e = s + strlen(s);
    char kind = (char)toupper((unsigned char)*s);
    if (kind != 'T' && kind != 'P')
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%d: bounded grid ':%s': only the torus (:T<w>,<h>) and the "
                             "plane (:P<w>,<h>) are supported, not Klein bottles, cross-surfaces "
                             "or spheres",
                             name, line, s);
    int64_t w, h;
    const char *q = read_number(s + 1, e, &w);
    if (!q)
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%d: bounded grid ':%s': expected a width after '%c', e.g. "
                             ":%c2048,2048",
                             name, line, s, s[0], kind);
    h = w;
    if (q < e && *q == ',') {
        q = read_number(q + 1, e, &h);
        if (!q)
            return corun_err_set(err, CORUN_EPARSE,
                                 "%s:%d: bounded grid ':%s': expected a height after ','", name,
                                 line, s);
    }
    if (q != e)
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%d: bounded grid ':%s': unexpected '%s' (shifted or twisted "
                             "edges are not supported)",
                             name, line, s, q);
    if (w == 0 || h == 0)
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%d: bounded grid ':%s': a zero dimension means an infinite "
                             "grid in Golly, but corun grids are finite; give both width and "
                             "height",
                             name, line, s);
    p->has_bounded = 1;
    p->boundary = kind == 'T' ? CORUN_LIFE_TORUS : CORUN_LIFE_DEAD;
    p->bounded_w = w;
    p->bounded_h = h;
    return 0;
}

/* Parses a rule value, from the header or a #r line: B/S or S/B notation,
 * or Golly's name "Life", optionally followed by a bounded-grid suffix. As
 * in Golly the value ends at the first blank and one trailing comma is
 * dropped; unlike Golly, text after it is an error (the rule is the last
 * field of the header, so "rule = B3/S23, x = 5" is not silently cut). */
static int parse_rule_value(const char *q, const char *e, const char *name, int line,
                            corun_life_pattern_t *p, corun_err_t *err) {
    q = skip_blanks(q, e);
    const char *v = q;
    while (q < e && !is_blank((unsigned char)*q)) q++;
    const char *ve = q > v && q[-1] == ',' ? q - 1 : q;
    q = skip_blanks(q, e);
    if (q < e)
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%d: unexpected '%.*s' after the rule '%.*s' (the rule is the "
                             "last field of the header and has no blanks)",
                             name, line, (int)(e - q > 40 ? 40 : e - q), q, (int)(ve - v), v);
    if (ve == v)
        return corun_err_set(err, CORUN_EPARSE, "%s:%d: the rule is empty", name, line);
    char buf[128];
    if (ve - v >= (ptrdiff_t)sizeof buf)
        return corun_err_set(err, CORUN_EPARSE, "%s:%d: the rule is too long", name, line);
    memcpy(buf, v, (size_t)(ve - v));
    buf[ve - v] = '\0';
    char *colon = strchr(buf, ':');
    if (colon) *colon = '\0';
    corun_err_t rerr = {0};
    if (!strcasecmp(buf, "life")) {
        p->rule = CORUN_LIFE_RULE_CONWAY;
    } else if (corun_life_rule_parse(buf, &p->rule, &rerr)) {
        return corun_err_set(err, CORUN_EPARSE, "%s:%d: bad rule: %s", name, line, rerr.msg);
    }
    p->has_rule = 1;
    if (colon) return parse_bounded(colon + 1, name, line, p, err);
    return 0;
}

/* Sets the rule read on `line` (in `got`) into p. Golly reads a rule from
 * the header and from "#r <rule>" lines; Golly 3 keeps the last one read,
 * Golly 4 the first, so two that disagree are an error rather than a
 * choice. *rule_line is the line of the rule set so far (0: none). */
static int set_rule(corun_life_pattern_t *p, const corun_life_pattern_t *got, int *rule_line,
                    const char *name, int line, corun_err_t *err) {
    if (*rule_line) {
        int same = p->rule.born == got->rule.born && p->rule.survive == got->rule.survive &&
                   p->has_bounded == got->has_bounded &&
                   (!got->has_bounded ||
                    (p->boundary == got->boundary && p->bounded_w == got->bounded_w &&
                     p->bounded_h == got->bounded_h));
        if (!same)
            return corun_err_set(err, CORUN_EPARSE,
                                 "%s:%d: this rule disagrees with the rule on line %d (Golly 3 "
                                 "uses the later one, Golly 4 the earlier; keep one)",
                                 name, line, *rule_line);
        return 0;
    }
    p->has_rule = 1;
    p->rule = got->rule;
    p->has_bounded = got->has_bounded;
    p->boundary = got->boundary;
    p->bounded_w = got->bounded_w;
    p->bounded_h = got->bounded_h;
    *rule_line = line;
    return 0;
}

/* Reads a rule value on the current line into p (see set_rule). */
static int read_rule(const rle_in_t *in, const char *q, corun_life_pattern_t *p, int *rule_line,
                     corun_err_t *err) {
    corun_life_pattern_t got;
    memset(&got, 0, sizeof got);
    int rc = parse_rule_value(q, line_end(in), in->name, in->line, &got, err);
    return rc ? rc : set_rule(p, &got, rule_line, in->name, in->line, err);
}

/* A comment line: "#r <rule>" sets the rule as in Golly (the line is '#'
 * then 'r'; "#R" is a different line, Life 1.05's offset), all others are
 * skipped. q is the line's '#'. */
static int comment_line(const rle_in_t *in, const char *q, corun_life_pattern_t *p,
                        int *rule_line, corun_err_t *err) {
    if (q + 1 < line_end(in) && q[1] == 'r') return read_rule(in, q + 2, p, rule_line, err);
    return 0;
}

/* Parses "x = W, y = H[, rule = R]" (spaces optional) on the current line. */
static int parse_header(rle_in_t *in, int64_t *w, int64_t *h, corun_life_pattern_t *p,
                        int *rule_line, corun_err_t *err) {
    const char *q = in->p, *e = line_end(in);
    int have_x = 0, have_y = 0;
    for (;;) {
        q = skip_blanks(q, e);
        if (q == e) break;
        const char *key = q;
        while (q < e && isalpha((unsigned char)*q)) q++;
        size_t klen = (size_t)(q - key);
        q = skip_blanks(q, e);
        if (klen == 0 || q == e || *q != '=')
            return corun_err_set(err, CORUN_EPARSE,
                                 "%s:%d: bad RLE header (expected 'x = <width>, y = <height>[, "
                                 "rule = <rule>]')",
                                 in->name, in->line);
        q = skip_blanks(q + 1, e);
        if (klen == 4 && !strncasecmp(key, "rule", 4)) {
            /* The rule ends the header: Golly's suffix contains a comma. */
            int rc = read_rule(in, q, p, rule_line, err);
            if (rc) return rc;
            break;
        }
        if (klen != 1 || (tolower((unsigned char)*key) != 'x' && tolower((unsigned char)*key) != 'y'))
            return corun_err_set(err, CORUN_EPARSE,
                                 "%s:%d: unknown key '%.*s' in the RLE header (expected x, y "
                                 "and optionally rule)",
                                 in->name, in->line, (int)klen, key);
        int is_x = tolower((unsigned char)*key) == 'x';
        /* Golly would read the second x as the height; name it instead. */
        if (is_x ? have_x : have_y)
            return corun_err_set(err, CORUN_EPARSE,
                                 "%s:%d: '%c' is given twice in the RLE header", in->name,
                                 in->line, is_x ? 'x' : 'y');
        int64_t v;
        const char *after = read_number(q, e, &v);
        if (!after)
            return corun_err_set(err, CORUN_EPARSE,
                                 "%s:%d: '%c' in the RLE header needs a non-negative integer "
                                 "(of at most 18 digits)",
                                 in->name, in->line, is_x ? 'x' : 'y');
        if (is_x) *w = v, have_x = 1;
        else *h = v, have_y = 1;
        q = skip_blanks(after, e);
        if (q < e && *q != ',')
            return corun_err_set(err, CORUN_EPARSE,
                                 "%s:%d: unexpected '%c' in the RLE header (fields are "
                                 "separated by commas)",
                                 in->name, in->line, *q);
        if (q < e) q++;
    }
    if (!have_x || !have_y)
        return corun_err_set(err, CORUN_EPARSE, "%s:%d: the RLE header must give both x and y",
                             in->name, in->line);
    if (*w == 0 || *h == 0)
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%d: the RLE header declares an empty pattern (x = %" PRId64
                             ", y = %" PRId64 ")",
                             in->name, in->line, *w, *h);
    return 0;
}

int corun_life_rle_parse(const char *text, size_t len, const char *name,
                         corun_life_pattern_t *p, corun_err_t *err) {
    memset(p, 0, sizeof *p);
    if (!name) name = "<rle>";
    rle_in_t in = {text, text + len, name, 1};
    int rc;

    /* Comment lines and blank lines, then the header. */
    const char *q = NULL;
    int rule_line = 0;
    while (in.p < in.end && (!(q = first_nonblank(&in)) || *q == '#')) {
        if (q && (rc = comment_line(&in, q, p, &rule_line, err))) goto fail;
        next_line(&in);
    }
    if (in.p == in.end)
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%d: no RLE header (expected 'x = <width>, y = <height>')", name,
                             in.line);
    if (tolower((unsigned char)*q) != 'x')
        return corun_err_set(err, CORUN_EPARSE,
                             "%s:%d: expected the RLE header 'x = <width>, y = <height>[, rule "
                             "= <rule>]' but the line starts with '%c'",
                             name, in.line, *q);
    int64_t w = 0, h = 0;
    rc = parse_header(&in, &w, &h, p, &rule_line, err);
    if (rc) goto fail;
    int header_line = in.line;
    /* Refuse absurd sizes before allocating. */
    rc = corun_life_check_size(w, h, 1.0, err);
    if (rc) {
        corun_err_prefix(err, "%s:%d", name, header_line);
        goto fail;
    }
    rc = corun_life_cells_init(&p->cells, w, h, err);
    if (rc) goto fail;
    next_line(&in);

    /* The run data. A run count may be split by line breaks (also blank and
     * comment lines) as Golly reads it: "bo1" then "0bo" is "bo10bo". The
     * digits so far stay pending across lines and are never dropped. */
    int64_t x = 0, y = 0, count = 0;
    int ndigits = 0, count_line = 0;
    int done = 0;
    while (!done && in.p < in.end) {
        q = first_nonblank(&in);
        if (q && *q == '#') { /* a comment line between data lines */
            if ((rc = comment_line(&in, q, p, &rule_line, err))) goto fail;
            next_line(&in);
            continue;
        }
        const char *e = line_end(&in);
        for (q = in.p; q < e && !done; q++) {
            int c = (unsigned char)*q;
            if (is_blank(c)) {
                /* Golly 3 drops a count that a space or tab follows (it reads
                 * "1 1o" as one cell), Golly 4 refuses it: never guess. */
                if (ndigits) {
                    rc = corun_err_set(err, CORUN_EPARSE,
                                       "%s:%d: a space or tab inside or after the run count %" PRId64
                                       " (a count must be followed directly by its b, o or $; "
                                       "only line breaks may split it)",
                                       name, in.line, count);
                    goto fail;
                }
                continue;
            }
            if (isdigit(c)) {
                /* 18 digits cannot overflow int64; any such run is far past
                 * every grid size corun accepts anyway. */
                if (++ndigits > 18) {
                    rc = corun_err_set(err, CORUN_EPARSE,
                                       "%s:%d: run count of more than 18 digits is too large",
                                       name, in.line);
                    goto fail;
                }
                if (ndigits == 1) count_line = in.line;
                count = count * 10 + (c - '0');
                continue;
            }
            if (ndigits && count == 0) {
                if (count_line == in.line)
                    rc = corun_err_set(err, CORUN_EPARSE, "%s:%d: run count 0 is not allowed",
                                       name, in.line);
                else
                    rc = corun_err_set(err, CORUN_EPARSE,
                                       "%s:%d: run count 0 is not allowed (its digits start "
                                       "on line %d)",
                                       name, in.line, count_line);
                goto fail;
            }
            int64_t n = ndigits ? count : 1;
            count = 0;
            ndigits = 0;
            if (c == '!') {
                done = 1;
            } else if (c == '$') {
                /* One end of line may follow the last row (some writers
                 * end with "$!"); more would start rows past the height. */
                if (n > h - y) {
                    rc = corun_err_set(err, CORUN_EPARSE,
                                       "%s:%d: %" PRId64 "$ goes past the declared height y = %" PRId64
                                       " (more rows than declared)",
                                       name, in.line, n, h);
                    goto fail;
                }
                y += n;
                x = 0;
            } else if (c == 'b' || c == 'o' || c == '.' || c == 'A') {
                if (y >= h) {
                    rc = corun_err_set(err, CORUN_EPARSE,
                                       "%s:%d: cells on row %" PRId64 " but the header declares "
                                       "y = %" PRId64 " rows (more rows than declared)",
                                       name, in.line, y + 1, h);
                    goto fail;
                }
                if (n > w - x) {
                    rc = corun_err_set(err, CORUN_EPARSE,
                                       "%s:%d: a run of %" PRId64 " cells from column %" PRId64
                                       " goes past the declared width x = %" PRId64,
                                       name, in.line, n, x + 1, w);
                    goto fail;
                }
                if (c == 'o' || c == 'A') memset(corun_life_cell(&p->cells, x, y), 1, (size_t)n);
                x += n;
            } else {
                rc = corun_err_set(err, CORUN_EPARSE,
                                   isprint(c) ? "%s:%d: unknown character '%c' in the RLE data "
                                                "(expected b, o, $, ! or a run count; corun reads "
                                                "two-state rules only)"
                                              : "%s:%d: unknown character (byte 0x%02x) in the "
                                                "RLE data",
                                   name, in.line, c);
                goto fail;
            }
        }
        if (!done) next_line(&in);
    }
    if (!done) {
        /* in.line is one past the last line read: name the last one. */
        rc = corun_err_set(err, CORUN_EPARSE,
                           "%s:%d: missing '!' at the end of the RLE data (truncated file?)",
                           name, in.line - 1);
        goto fail;
    }
    return 0;
fail:
    corun_life_pattern_close(p);
    return rc;
}

/* ------------------------------------------------------------------ writer */

/* Accumulates output lines so that no line exceeds RLE_LINE_MAX characters;
 * tokens ("12o", "3$", "!") are never split across lines. */
typedef struct rle_out {
    FILE *f;
    int col;
} rle_out_t;

static void emit(rle_out_t *o, int64_t n, char tag) {
    /* digits by hand: a big grid has hundreds of millions of tokens */
    char tok[32], digits[24];
    int len = 0, k = 0;
    for (uint64_t v = n > 1 ? (uint64_t)n : 0; v; v /= 10) digits[k++] = (char)('0' + v % 10);
    while (k) tok[len++] = digits[--k];
    tok[len++] = tag;
    if (o->col > 0 && o->col + len > RLE_LINE_MAX) {
        fputc('\n', o->f);
        o->col = 0;
    }
    fwrite(tok, 1, (size_t)len, o->f);
    o->col += len;
}

/* The first cell at or after x (< end) whose state is not c, or end: a
 * word at a time. */
static int64_t run_end(const uint64_t *row, int64_t x, int64_t end, int c) {
    while (x < end) {
        uint64_t w = (row[x >> 6] ^ (c ? ~(uint64_t)0 : 0)) & (~(uint64_t)0 << (x & 63));
        if (w) {
            int64_t p = (x & ~(int64_t)63) + __builtin_ctzll(w);
            return p < end ? p : end;
        }
        x = (x | 63) + 1;
    }
    return end;
}

int corun_life_rle_write(FILE *f, const corun_life_grid_t *g, corun_life_rule_t rule,
                         corun_life_boundary_t b, corun_err_t *err) {
    char rs[32];
    corun_life_rule_format(rule, rs, sizeof rs);
    fprintf(f, "x = %" PRId64 ", y = %" PRId64 ", rule = %s:%c%" PRId64 ",%" PRId64 "\n",
            g->width, g->height, rs, b == CORUN_LIFE_DEAD ? 'P' : 'T', g->width, g->height);
    rle_out_t o = {f, 0};
    int64_t pending_rows = 0; /* row ends not yet written: empty rows merge into one N$ */
    for (int64_t y = 0; y < g->height; y++) {
        const uint64_t *row = corun_life_grid_row(g, y);
        int64_t end = 64 * g->wpr; /* trailing dead cells are omitted (padding bits are 0) */
        while (end > 0 && !row[(end - 1) >> 6]) end = (end - 1) & ~(int64_t)63;
        if (end > 0) end = 64 * ((end - 1) >> 6) + 64 - __builtin_clzll(row[(end - 1) >> 6]);
        if (end > 0) {
            if (pending_rows) emit(&o, pending_rows, '$');
            pending_rows = 0;
            for (int64_t x = 0; x < end;) {
                int c = corun_life_grid_get(g, x, y);
                int64_t next = run_end(row, x, end, c);
                emit(&o, next - x, c ? 'o' : 'b');
                x = next;
            }
        }
        pending_rows++;
    }
    emit(&o, 1, '!');
    fputc('\n', f);
    if (ferror(f)) return corun_err_set(err, CORUN_EIO, "writing RLE: %s", strerror(errno));
    return 0;
}
