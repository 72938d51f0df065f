/* csv_scan.h — the CSV byte classification and record parser, written once
 * for every backend (serial, omp, and CUDA kernels through CORUN_HD).
 *
 * RFC 4180 as corun reads it (docs/CSV.md): ',' separates fields, LF or CRLF
 * ends a record, a field starting with '"' is quoted and ends at a '"' not
 * followed by another '"' ("" is one quote inside), and may hold ',', CR and
 * LF. Because every '"' of a valid file either opens, closes or is half of a
 * doubled quote, "inside quotes" at a byte is the parity of the quotes before
 * it since the last record start: that is what lets a parallel reader find
 * record starts in a chunk once it knows the parity at the chunk's start
 * (prefix XOR of the chunks' quote counts). The parser is strict so that this
 * parity rule and the parser can never disagree on a valid file, and on an
 * invalid one the first error (smallest offset) is found by every backend.
 *
 * No allocation, I/O or errno here: plain functions over a byte array.
 */
#ifndef CORUN_CSV_SCAN_H
#define CORUN_CSV_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "corun_hd.h"

/* Byte classes. */
enum { CORUN_CSV_DATA = 0, CORUN_CSV_COMMA = 1, CORUN_CSV_QUOTE = 2, CORUN_CSV_LF = 3 };

static inline CORUN_HD int corun_csv_class(unsigned char c) {
    return c == ',' ? CORUN_CSV_COMMA : c == '"' ? CORUN_CSV_QUOTE : c == '\n' ? CORUN_CSV_LF
                                                                               : CORUN_CSV_DATA;
}

/* Result of parsing one record. */
enum {
    CORUN_CSV_ROW_OK = 0,
    CORUN_CSV_ROW_BLANK = 1,          /* an empty line: skipped */
    CORUN_CSV_E_UNTERMINATED = -1,    /* err_off: the opening quote */
    CORUN_CSV_E_BARE_QUOTE = -2,      /* err_off: a '"' inside an unquoted field */
    CORUN_CSV_E_AFTER_QUOTE = -3,     /* err_off: the byte after a closing quote */
    CORUN_CSV_E_RAGGED = -4           /* set by callers comparing nfields */
};

#define CORUN_CSV_WANT_MAX 16

/* A field's content: [off, off+len) of the input, without the surrounding
 * quotes; quoted = 1 if it was quoted (then "" inside stands for one '"'). */
typedef struct corun_csv_field {
    uint64_t off;
    uint32_t len;
    uint32_t quoted;
} corun_csv_field_t;

/* Parses the record starting at pos (< n) of b[0..n). want[0..nwant) are the
 * wanted column indices in increasing order; f[k] receives column want[k]
 * (untouched if the record has fewer columns). On success *end is one past
 * the record's terminator (or n) and *nfields its field count. A record that
 * is only "\n" or "\r\n" is CORUN_CSV_ROW_BLANK. */
static inline CORUN_HD int corun_csv_parse_row(const unsigned char *b, uint64_t pos, uint64_t n,
                                               const uint32_t *want, int nwant,
                                               corun_csv_field_t *f, uint64_t *end,
                                               uint32_t *nfields, uint64_t *err_off) {
    uint64_t p = pos;
    if (b[p] == '\n') {
        *end = p + 1;
        return CORUN_CSV_ROW_BLANK;
    }
    if (b[p] == '\r' && (p + 1 == n || b[p + 1] == '\n')) {
        *end = p + 1 < n ? p + 2 : n;
        return CORUN_CSV_ROW_BLANK;
    }
    uint32_t col = 0;
    int k = 0;
    for (;;) {
        uint64_t fs = p, fe;
        uint32_t q = 0;
        if (p < n && b[p] == '"') {
            q = 1;
            fs = ++p;
            for (;;) {
                while (p < n && b[p] != '"') p++;
                if (p >= n) {
                    *err_off = fs - 1;
                    return CORUN_CSV_E_UNTERMINATED;
                }
                if (p + 1 < n && b[p + 1] == '"') {
                    p += 2;
                    continue;
                }
                break;
            }
            fe = p++;
            if (p < n && b[p] != ',' && b[p] != '\n' &&
                !(b[p] == '\r' && (p + 1 == n || b[p + 1] == '\n'))) {
                *err_off = p;
                return CORUN_CSV_E_AFTER_QUOTE;
            }
        } else {
            while (p < n) {
                unsigned char c = b[p];
                if (c == ',' || c == '\n') break;
                if (c == '"') {
                    *err_off = p;
                    return CORUN_CSV_E_BARE_QUOTE;
                }
                p++;
            }
            fe = p;
            /* CR of a CRLF (or of a final "\r") is not data. */
            if ((p >= n || b[p] == '\n') && fe > fs && b[fe - 1] == '\r') fe--;
        }
        if (k < nwant && want[k] == col) {
            f[k].off = fs;
            f[k].len = (uint32_t)(fe - fs);
            f[k].quoted = q;
            k++;
        }
        col++;
        if (p >= n) {
            *end = n;
            break;
        }
        if (b[p] == ',') {
            p++;
            continue;
        }
        if (b[p] == '\r') p++; /* after a closing quote */
        *end = p < n ? p + 1 : n;
        break;
    }
    *nfields = col;
    return CORUN_CSV_ROW_OK;
}

/* Number of '"' bytes in b[from..to): the parity input of chunked readers. */
static inline CORUN_HD uint64_t corun_csv_count_quotes(const unsigned char *b, uint64_t from,
                                                       uint64_t to) {
    uint64_t c = 0;
    for (uint64_t i = from; i < to; i++) c += b[i] == '"';
    return c;
}

/* The first record start in [from, to) given `inq` (1 if from is inside
 * quotes): from itself if b[from-1] is an unquoted LF (from > lo, where lo is
 * a known record start), else one past the first unquoted LF; `to` if none. */
static inline CORUN_HD uint64_t corun_csv_first_row(const unsigned char *b, uint64_t lo,
                                                    uint64_t from, uint64_t to, int inq) {
    if (from == lo) return from;
    if (!inq && b[from - 1] == '\n') return from;
    for (uint64_t p = from; p < to; p++) {
        unsigned char c = b[p];
        if (c == '"') inq ^= 1;
        else if (c == '\n' && !inq) return p + 1;
    }
    return to;
}

/* An amount: [+-]digits[.d[d]] -> integer hundredths in *cents and the
 * number of decimals written in *dec. Returns 0, -1 if malformed, or -2 if
 * well formed but out of range (|value| must be below 9.2e16: hundredths in
 * a signed 64-bit integer). */
static inline CORUN_HD int corun_csv_parse_cents(const unsigned char *s, uint32_t len,
                                                 int64_t *cents, int *dec) {
    uint32_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    uint64_t v = 0;
    uint32_t digits = 0;
    int big = 0; /* too many digits: still read to the end, to tell the two errors apart */
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        if (v > UINT64_C(92233720368547757)) big = 1;
        else v = v * 10 + (uint64_t)(s[i] - '0');
        i++;
        digits++;
    }
    int d = 0;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9' && d < 2) {
            v = v * 10 + (uint64_t)(s[i++] - '0');
            d++;
            digits++;
        }
    }
    if (i != len || digits == 0) return -1;
    if (big) return -2;
    for (int j = d; j < 2; j++) v *= 10;
    if (v > UINT64_C(9223372036854775807)) return -2;
    *cents = neg ? -(int64_t)v : (int64_t)v;
    *dec = d;
    return 0;
}

#endif
