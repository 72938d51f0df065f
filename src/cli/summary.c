/* summary.c — the one-line summary every run ends with, and its JSON form
 * (--summary-json FILE, or - for stdout) for scripts that would rather not
 * parse key=value text. Both come from the same formatted line, so the JSON
 * can never hold a field the line lacks or disagree with it.
 *
 * JSON types: a value that is a decimal number (integer or floating point)
 * is a number; everything else is a string, and so is every hash (16 hex
 * digits can be all decimal digits, and a 64-bit value does not survive a
 * double). Text before the first key=value ("csv split:") names the command
 * and is dropped from the fields. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* A JSON string of s[0..n-1] (summary values are printable ASCII, but a
 * path or a mode may carry anything: escape what JSON requires). */
void cli_json_str(FILE *f, const char *s, size_t n) {
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

/* Is s[0..n-1] a number as JSON writes one: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int is_number(const char *s, size_t n) {
    size_t i = 0, d;
    if (i < n && s[i] == '-') i++;
    if (i < n && s[i] == '0') i++;
    else if (i < n && s[i] >= '1' && s[i] <= '9')
        while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    else
        return 0;
    if (i < n && s[i] == '.') {
        for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9';) i++;
        if (i == d) return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        for (d = i; i < n && s[i] >= '0' && s[i] <= '9';) i++;
        if (i == d) return 0;
    }
    return i == n;
}

static void json_write(FILE *f, const char *cmd, const char *line) {
    fputs("{\"command\": ", f);
    cli_json_str(f, cmd, strlen(cmd));
    for (const char *p = line; *p;) {
        p += strspn(p, " \n");
        size_t n = strcspn(p, " \n");
        const char *eq = memchr(p, '=', n);
        if (eq && eq > p) {
            size_t kn = (size_t)(eq - p), vn = n - kn - 1;
            fputs(", ", f);
            cli_json_str(f, p, kn);
            fputs(": ", f);
            if (is_number(eq + 1, vn) && !(kn == 4 && !memcmp(p, "hash", 4)))
                fwrite(eq + 1, 1, vn, f);
            else
                cli_json_str(f, eq + 1, vn);
        }
        p += n;
    }
    fputs("}\n", f);
}

int cli_summary_opt(cli_summary_opts_t *so, const char *key, const char *v, corun_err_t *err) {
    if (!strcmp(key, "summary-json")) return cli_copy_str(so->json, sizeof so->json, key, v, err);
    if (!strcmp(key, "no-summary")) return cli_parse_bool(key, v, &so->off, err);
    return 1; /* not one of these */
}

int cli_summary(const char *cmd, const char *json_path, FILE *line_out, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    const int json_stdout = json_path && !strcmp(json_path, "-");
    if (line_out && !json_stdout) {
        fputs(line, line_out);
        fflush(line_out);
    }
    if (!json_path || !json_path[0]) return 0;
    if (json_stdout) {
        json_write(stdout, cmd, line);
        fflush(stdout);
        return 0;
    }
    FILE *f = fopen(json_path, "w");
    if (!f) {
        cli_error("%s: --summary-json %s: %s", cmd, json_path, strerror(errno));
        return CORUN_EXIT_FAILURE;
    }
    json_write(f, cmd, line);
    if (ferror(f) | fclose(f)) {
        cli_error("%s: --summary-json %s: write failed: %s", cmd, json_path, strerror(errno));
        return CORUN_EXIT_FAILURE;
    }
    return 0;
}
