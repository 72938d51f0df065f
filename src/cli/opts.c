/* opts.c — how every corun subcommand takes its options: one table of keys
 * that are both the long flags (--key VALUE) and the keys of the
 * subcommand's INI section ([life] key = value), a setter that validates one
 * key, and two passes over argv so that --config is read first and the flags
 * override it wherever they stand. An unknown flag, section or key is an
 * error naming it (and the file and line): a typo in a batch job must not
 * silently run something else. The INI reader is corun's own and reads the
 * file whole, so that it sees every byte (a reader built on C strings ends
 * a line at a NUL) and knows the line of every key. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int cli_copy_str(char *dst, size_t n, const char *key, const char *v, corun_err_t *err) {
    size_t len = strlen(v);
    if (len >= n) return corun_err_set(err, CORUN_ERANGE, "%s: value too long (%zu bytes)", key, len);
    memcpy(dst, v, len + 1);
    return 0;
}

int cli_parse_bool(const char *key, const char *v, int *out, corun_err_t *err) {
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
             !strcmp(v, "0"))
        *out = 0;
    else
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not a boolean (true/false)", key, v);
    return 0;
}

int cli_parse_backend(const char *key, const char *v, char *dst, size_t n, corun_err_t *err) {
    if (strcmp(v, "serial") && strcmp(v, "omp") && strcmp(v, "cuda") && strcmp(v, "auto"))
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not one of serial, omp, cuda, auto",
                             key, v);
    return cli_copy_str(dst, n, key, v, err);
}

int cli_parse_threads(const char *key, const char *v, int *out, corun_err_t *err) {
    int64_t t;
    if (corun_parse_i64(v, &t) || t < 1 || t > CORUN_THREADS_MAX)
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not an integer in 1..%d", key, v,
                             CORUN_THREADS_MAX);
    *out = (int)t;
    return 0;
}

int cli_parse_device(const char *key, const char *v, int *out, corun_err_t *err) {
    int64_t d;
    if (corun_parse_i64(v, &d) || d < 0 || d > 1023)
        return corun_err_set(err, CORUN_EINVAL, "%s: '%s' is not a CUDA device index 0..1023",
                             key, v);
    *out = (int)d;
    return 0;
}

/* Edit distance between a and b (insertions, deletions, substitutions),
 * stopping early: only small distances matter here. */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 64;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Is `key` a likely meaning of the typed `name`: closer than best so far? */
static void suggest_one(const char *name, const char *key, const char **best, size_t *bestd) {
    size_t d = edit_distance(name, key);
    /* a prefix of a key ("--snap") is also a likely meaning */
    if (strlen(name) >= 3 && !strncmp(key, name, strlen(name))) d = 1;
    if (d < *bestd) {
        *bestd = d;
        *best = key;
    }
}

const char *cli_suggest(const cli_key_t *keys, const char *name) {
    const char *best = NULL;
    size_t bestd = (strlen(name) + 2) / 3 + 1; /* up to a third of the letters wrong */
    if (bestd < 2) bestd = 2;
    for (size_t i = 0; keys[i].name; i++) suggest_one(name, keys[i].name, &best, &bestd);
    suggest_one(name, "config", &best, &bestd);
    suggest_one(name, "help", &best, &bestd);
    return best;
}

/* ---- the config reader ----
 * Strict, since a config drives a batch job that nobody watches: every line
 * is a comment, a [section] header or key = value, and anything else stops
 * the run with the file and line. Text only (a NUL or another control byte
 * means a binary or damaged file, not a line end); a section header must be
 * closed; a key may be given once per file (the first value would silently
 * lose otherwise); a value is checked by the same setter as its flag, so the
 * message is the flag's. Unknown sections are reported at their first key,
 * so an empty one is harmless. */

/* A config is a handful of keys: 1 MiB is far more than any needs, and keeps
 * a wrong path (a log, a data file) from being read whole. */
#define CONFIG_MAX_BYTES ((size_t)1 << 20)

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* [s, e) without blanks on either side, NUL-terminated in place. */
static char *trim(char *s, char *e) {
    while (s < e && is_blank(*s)) s++;
    while (e > s && is_blank(e[-1])) e--;
    *e = '\0';
    return s;
}

typedef struct ini_seen {
    const char *key;
    int line;
} ini_seen_t;

/* One line (NUL-terminated, no line end) of the file: 0, or an error without
 * the "config FILE:LINE" head, which the caller adds. */
static int ini_line(char *s, int line, const char **cur, const char *section,
                    const cli_key_t *keys, cli_set_fn set, void *ctx, ini_seen_t **seen,
                    size_t *nseen, corun_err_t *err) {
    char *e = s + strlen(s);
    s = trim(s, e);
    if (!*s || *s == ';' || *s == '#') return 0;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close)
            return corun_err_set(err, CORUN_EPARSE,
                                 "section header '%s' has no closing ']' (expected [%s])", s,
                                 section);
        char *after = close + 1;
        while (is_blank(*after)) after++;
        if (*after && *after != ';' && *after != '#')
            return corun_err_set(err, CORUN_EPARSE,
                                 "unexpected text '%s' after the section header", after);
        char *name = trim(s + 1, close);
        if (!*name) return corun_err_set(err, CORUN_EPARSE, "empty section name '[]'");
        *cur = name;
        return 0;
    }
    char *eq = strchr(s, '=');
    if (!eq)
        return corun_err_set(err, CORUN_EPARSE,
                             "not an INI line (expected [section] or key = value)");
    char *key = trim(s, eq);
    if (!*key)
        return corun_err_set(err, CORUN_EPARSE, "no key before '=' (expected key = value)");
    /* An inline comment starts at a ';' that opens the value or follows a
     * blank, so values such as "a;b" keep their ';'. */
    char *v = eq + 1, *vend = v + strlen(v);
    for (char *q = v; q < vend; q++)
        if (*q == ';' && (q == v || is_blank(q[-1]))) {
            vend = q;
            break;
        }
    char *value = trim(v, vend);
    if (!*cur)
        return corun_err_set(err, CORUN_EINVAL,
                             "key '%s' is outside any section (put it under [%s])", key, section);
    if (strcmp(*cur, section) != 0)
        return corun_err_set(err, CORUN_EINVAL, "unknown section [%s] (known: [%s])", *cur,
                             section);
    int known = 0;
    for (size_t i = 0; keys[i].name && !known; i++) known = !strcmp(keys[i].name, key);
    if (!known) {
        const char *near = cli_suggest(keys, key);
        if (near)
            return corun_err_set(err, CORUN_EINVAL, "unknown key '%s' in [%s] (did you mean '%s'?)",
                                 key, section, near);
        return corun_err_set(err, CORUN_EINVAL,
                             "unknown key '%s' in [%s] (the keys are the long flags of 'corun "
                             "%s --help' without their '--')",
                             key, section, section);
    }
    for (size_t i = 0; i < *nseen; i++)
        if (!strcmp((*seen)[i].key, key))
            return corun_err_set(err, CORUN_EINVAL,
                                 "key '%s' is given twice, on lines %d and %d (give it once)",
                                 key, (*seen)[i].line, line);
    ini_seen_t *ns = realloc(*seen, (*nseen + 1) * sizeof **seen);
    if (!ns) return corun_err_set(err, CORUN_ENOMEM, "out of memory");
    *seen = ns;
    ns[(*nseen)++] = (ini_seen_t){key, line};
    return set(ctx, key, value, err);
}

int cli_load_ini(const char *path, const char *section, const cli_key_t *keys, cli_set_fn set,
                 void *ctx, corun_err_t *err) {
    char *text;
    size_t len;
    if (corun_file_read_all(path, "config file", CONFIG_MAX_BYTES, &text, &len, err)) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return corun_err_set(err, err->code, "config %s", msg);
    }
    char *p = text, *end = text + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3; /* a UTF-8 byte-order mark */
    const char *cur = NULL;
    ini_seen_t *seen = NULL;
    size_t nseen = 0;
    int rc = 0, line = 0;
    while (!rc && p < end) {
        line++;
        char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        char *next = eol < end ? eol + 1 : end;
        /* Control bytes are refused, tabs allowed, and CR only as the CR of a
         * CRLF line end. Bytes from 0x80 (UTF-8) pass. */
        for (char *q = p; q < eol && !rc; q++) {
            unsigned char c = (unsigned char)*q;
            if (c == '\t' || (c == '\r' && q + 1 == eol && eol < end)) continue;
            if (c < 0x20 || c == 0x7f)
                rc = corun_err_set(err, CORUN_EPARSE,
                                   "control character %s0x%02x in the line, at byte %td: a config "
                                   "is text (tabs and CRLF line ends are allowed)",
                                   c == 0 ? "NUL " : "", c, q - p + 1);
        }
        if (!rc) {
            if (eol > p && eol[-1] == '\r') eol--;
            *eol = '\0';
            rc = ini_line(p, line, &cur, section, keys, set, ctx, &seen, &nseen, err);
        }
        p = next;
    }
    if (rc) corun_err_prefix(err, "config %s:%d", path, line);
    free(seen);
    free(text);
    return rc;
}

int cli_parse_args(const char *cmd, int argc, char **argv, const cli_key_t *keys,
                   cli_set_fn set, void *ctx, const char **positional, int *help) {
    /* Each key its own value: getopt_long accepts an abbreviation of a
     * long option, and one that fits several (--snap) is refused only when
     * their values differ; with one shared value it silently took the
     * first. */
    enum { OPT_CONFIG = 256, OPT_HELP, OPT_KEY };
    size_t nkeys = 0;
    while (keys[nkeys].name) nkeys++;
    /* keys first, so getopt's index is the key's index */
    struct option *lo = calloc(nkeys + 3, sizeof *lo);
    if (!lo) {
        cli_error("%s: out of memory", cmd);
        return CORUN_EXIT_FAILURE;
    }
    for (size_t i = 0; i < nkeys; i++)
        lo[i] = (struct option){keys[i].name, keys[i].takes_value ? required_argument : no_argument,
                                NULL, OPT_KEY + (int)i};
    lo[nkeys] = (struct option){"config", required_argument, NULL, OPT_CONFIG};
    lo[nkeys + 1] = (struct option){"help", no_argument, NULL, OPT_HELP};
    /* short options: "h" plus each key's short name (with ':' if it takes a value) */
    char shorts[64] = ":h";
    size_t ns = 2;
    for (size_t i = 0; i < nkeys && ns + 2 < sizeof shorts; i++)
        if (keys[i].short_name) {
            shorts[ns++] = keys[i].short_name;
            if (keys[i].takes_value) shorts[ns++] = ':';
        }
    shorts[ns] = '\0';
    corun_err_t err = {0};
    const char *config = NULL;
    int c, idx, rc = 0;
    *help = 0;
    opterr = 0;
    /* Pass 1: find --config and --help, check that every flag is known. */
    optind = 1;
    while (!rc && (c = getopt_long(argc, argv, shorts, lo, &idx)) != -1) {
        if (c == 'h' || c == OPT_HELP) *help = 1;
        else if (c == OPT_CONFIG) config = optarg;
        else if (c == '?') {
            const char *arg = argv[optind - 1];
            const char *near = NULL;
            if (!strncmp(arg, "--", 2)) {
                char name[64];
                snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
                near = cli_suggest(keys, name);
            }
            if (near)
                cli_error("%s: unknown option '%s' (did you mean '--%s'?)", cmd, arg, near);
            else
                cli_error("%s: unknown option '%s' (see 'corun %s --help')", cmd, arg, cmd);
            rc = CORUN_EXIT_USAGE;
        } else if (c == ':') {
            cli_error("%s: option '%s' needs a value", cmd, argv[optind - 1]);
            rc = CORUN_EXIT_USAGE;
        }
    }
    if (!rc && !*help && positional && optind < argc) *positional = argv[optind++];
    if (!rc && !*help && optind < argc) {
        cli_error("%s: unexpected argument '%s' (see 'corun %s --help')", cmd, argv[optind], cmd);
        rc = CORUN_EXIT_USAGE;
    }
    if (!rc && !*help && config && cli_load_ini(config, cmd, keys, set, ctx, &err)) {
        cli_error("%s", err.msg);
        rc = CORUN_EXIT_USAGE;
    }
    /* Pass 2: the flags, over the file. */
    optind = 1;
    while (!rc && !*help && (c = getopt_long(argc, argv, shorts, lo, &idx)) != -1) {
        if (c >= OPT_KEY) {
            idx = c - OPT_KEY;
        } else { /* a short option: find its key */
            idx = -1;
            for (size_t i = 0; i < nkeys; i++)
                if (keys[i].short_name && keys[i].short_name == c) idx = (int)i;
            if (idx < 0) continue;
        }
        if (set(ctx, keys[idx].name, keys[idx].takes_value ? optarg : "true", &err)) {
            cli_error("%s: --%s", cmd, err.msg);
            rc = CORUN_EXIT_USAGE;
        }
    }
    /* Every subcommand parsed here runs OpenMP code, and OpenMP reads the
     * thread variables for any parallel region not given a count: they are
     * checked even when --threads is given. */
    if (!rc && !*help && corun_threads_env_check(&err)) {
        cli_error("%s: %s", cmd, err.msg);
        rc = CORUN_EXIT_USAGE;
    }
    free(lo);
    return rc;
}
