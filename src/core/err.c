/* err.c — the error record: codes, names, messages (see include/corun/err.h). */
#include "corun/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int corun_err_set(corun_err_t *e, int code, const char *fmt, ...) {
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int corun_err_prefix(corun_err_t *e, const char *fmt, ...) {
    if (!e) return 0;
    char head[CORUN_ERR_MSG_MAX], old[CORUN_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    /* Both halves are bounded so the result fits; a very long message loses
     * its tail, never its head (the context). */
    int n = snprintf(e->msg, sizeof e->msg, "%.*s: ", (int)(sizeof e->msg / 2), head);
    snprintf(e->msg + n, sizeof e->msg - (size_t)n, "%s", old);
    return e->code;
}

void corun_err_clear(corun_err_t *e) {
    if (e) {
        e->code = 0;
        e->msg[0] = '\0';
    }
}

const char *corun_err_name(int code) {
    switch (code) {
#define CORUN_X_(name, val, msg) \
    case val:                    \
        return "CORUN_" #name;
        CORUN_ERRNO_MAP(CORUN_X_)
#undef CORUN_X_
    }
    return "CORUN_E?";
}

const char *corun_strerror(int code) {
    switch (code) {
#define CORUN_X_(name, val, msg) \
    case val:                    \
        return msg;
        CORUN_ERRNO_MAP(CORUN_X_)
#undef CORUN_X_
    }
    return "unknown error";
}
