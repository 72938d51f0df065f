/* err.h — error codes and the error record every fallible corun call fills in.
 *
 * Contract: a function that can fail returns 0 on success or a negative
 * CORUN_E* code, and, if the caller passed a non-NULL corun_err_t, writes a
 * human message there saying what failed, where (file, line, field) and, when
 * it helps, what to do. The library never calls exit(), abort() or longjmp().
 * Codes, their names and default messages come from one X-macro table.
 */
#ifndef CORUN_ERR_H
#define CORUN_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define CORUN_API __attribute__((visibility("default")))
#define CORUN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define CORUN_API
#define CORUN_PRINTF(f, a)
#endif

/* X(NAME, value, default message) */
#define CORUN_ERRNO_MAP(X)                                   \
    X(OK, 0, "success")                                      \
    X(EINVAL, -1, "invalid argument")                        \
    X(ENOMEM, -2, "out of memory")                           \
    X(EIO, -3, "input/output error")                         \
    X(EPARSE, -4, "malformed input")                         \
    X(ERANGE, -5, "value out of range")                      \
    X(ENOTSUP, -6, "not supported in this build")            \
    X(EINTERNAL, -7, "internal error")                       \
    X(ETIMEDOUT, -8, "timed out")                            \
    X(ECANCELED, -9, "canceled")                             \
    X(ECLOSED, -10, "closed")                                \
    X(EBUSY, -11, "busy: already started or finished")

enum corun_errno {
#define CORUN_X_(name, val, msg) CORUN_##name = (val),
    CORUN_ERRNO_MAP(CORUN_X_)
#undef CORUN_X_
};

#define CORUN_ERR_MSG_MAX 1024

typedef struct corun_err {
    int code;                     /* last CORUN_E* code, 0 if none */
    char msg[CORUN_ERR_MSG_MAX];  /* human message, "" if none */
} corun_err_t;

/* Records code and a printf-style message in *e (e may be NULL); returns code,
 * so callers can write `return corun_err_set(e, CORUN_EINVAL, "...")`. */
CORUN_API int corun_err_set(corun_err_t *e, int code, const char *fmt, ...) CORUN_PRINTF(3, 4);

/* Prepends "prefix: " to an existing message (adds context on the way up). */
CORUN_API int corun_err_prefix(corun_err_t *e, const char *fmt, ...) CORUN_PRINTF(2, 3);

CORUN_API void corun_err_clear(corun_err_t *e);

/* "CORUN_EINVAL" etc. and the default message for a code. */
CORUN_API const char *corun_err_name(int code);
CORUN_API const char *corun_strerror(int code);

#endif
