/* csv_names.c — file names from data values. A name can never leave OUTDIR
 * (no '/', no "..", no leading '.'), never holds control characters or
 * characters that are invisible or reorder the text around them (a name
 * must read as what it is: "\u202Egnp.csv" would display as "csv.png"),
 * never starts with '-' (a shell command would take it for an option), is
 * bounded, and two distinct values never get the same name: a stem that was
 * altered, or that another value shares (e.g. "France" and "FRANCE"), gets
 * "~" and the value's 64-bit hash appended. '~' itself is never kept in a
 * stem, so a hashed name cannot equal an unaltered one. docs/CSV.md. */
#include <stdio.h>
#include <string.h>

#include "corun/core.h"
#include "corun/csv.h"
#include "csv_int.h"

#define STEM_MAX 100

static int keep_ascii(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '_' ||
           c == '.' || c == ',' || c == '\'' || c == '(' || c == ')' || c == '&' || c == '+';
}

/* Length of a well-formed UTF-8 sequence at p (2..4), or 0. C1 controls
 * (U+0080..U+009F) are refused too. */
static size_t utf8_len(const unsigned char *p, size_t left) {
    size_t n = p[0] >= 0xC2 && p[0] <= 0xDF ? 2 : p[0] >= 0xE0 && p[0] <= 0xEF ? 3
               : p[0] >= 0xF0 && p[0] <= 0xF4                             ? 4
                                                                          : 0;
    if (!n || n > left) return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    if (p[0] == 0xC2 && p[1] < 0xA0) return 0;
    if (p[0] == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
    if (p[0] == 0xED && p[1] >= 0xA0) return 0; /* surrogates */
    if (p[0] == 0xF0 && p[1] < 0x90) return 0;
    if (p[0] == 0xF4 && p[1] >= 0x90) return 0;
    return n;
}

/* The code point of a well-formed sequence of n bytes. */
static unsigned long utf8_cp(const unsigned char *p, size_t n) {
    unsigned long c = p[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t i = 1; i < n; i++) c = c << 6 | (p[i] & 0x3F);
    return c;
}

/* Characters that draw nothing or change the direction of the text after
 * them: bidirectional controls (U+061C, U+200E/F, U+202A..E, U+2066..9),
 * zero-width and joiner characters (U+200B..D, U+2060, U+FEFF), the other
 * format characters of Unicode's Cf category, fillers that render blank,
 * variation selectors and tags, and the line/paragraph separators. */
static int invisible(unsigned long c) {
    static const unsigned long r[][2] = {
        {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x061C, 0x061C},   {0x115F, 0x1160},
        {0x17B4, 0x17B5},   {0x180B, 0x180F},   {0x200B, 0x200F},   {0x2028, 0x202E},
        {0x2060, 0x206F},   {0x3164, 0x3164},   {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},
        {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFFB},   {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
        {0xE0000, 0xE0FFF},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (c >= r[i][0] && c <= r[i][1]) return 1;
    return 0;
}

int corun_csv_name_stem(const char *value, size_t len, char *out) {
    const unsigned char *v = (const unsigned char *)value;
    size_t o = 0;
    int changed = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = v[i];
        size_t n = 1;
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c + 32);
        if (c < 0x80) {
            if (!keep_ascii(c)) c = '_', changed = 1;
        } else if ((n = utf8_len(v + i, len - i)) == 0) {
            c = '_', n = 1, changed = 1;
        } else if (invisible(utf8_cp(v + i, n))) {
            c = '_', changed = 1; /* the whole sequence becomes one '_' */
        }
        if (o + (c < 0x80 ? 1 : n) > STEM_MAX) {
            changed = 1;
            break;
        }
        if (c < 0x80) out[o++] = (char)c;
        else memcpy(out + o, v + i, n), o += n;
        i += n;
    }
    if (o == 0) {
        out[o++] = '_';
        changed = 1;
    }
    if (out[0] == '.' || out[0] == ' ' || out[0] == '-') out[0] = '_', changed = 1;
    if (out[o - 1] == ' ' || out[o - 1] == '.') out[o - 1] = '_', changed = 1;
    out[o] = '\0';
    return changed;
}

void corun_csv_name_for(const char *value, size_t len, int shared, char *out) {
    int changed = corun_csv_name_stem(value, len, out);
    size_t o = strlen(out);
    if (changed || shared)
        o += (size_t)snprintf(out + o, CORUN_CSV_NAME_MAX - o, "~%016llx",
                              (unsigned long long)corun_fnv1a64(CORUN_FNV1A64_INIT, value, len));
    snprintf(out + o, CORUN_CSV_NAME_MAX - o, ".csv");
}

int csv_split_output_name(const char *name) {
    size_t n = strlen(name);
    return (n > 4 && !strcmp(name + n - 4, ".csv")) ||
           (!strncmp(name, ".corun-split-", 13) && n > 17 && !strcmp(name + n - 4, ".tmp"));
}
