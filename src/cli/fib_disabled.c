/* fib_disabled.c — `corun fib` in a corun built without GMP/FLINT.
 *
 * Compiled instead of cmd_fib.c, fib_opts.c and fib_out.c (CMakeLists.txt):
 * it answers the command, and the fib names that `corun info` and
 * `corun bench` use, with the reason found at configure time (CORUN_FIB_WHY),
 * so the rest of the program needs no conditional code. */
#include <stdio.h>

#include "cli.h"
#include "fib_cli.h"

#ifndef CORUN_FIB_WHY
#define CORUN_FIB_WHY "GMP not found"
#endif

#define FIB_OFF "corun was built without fib (" CORUN_FIB_WHY " at configure time)"
#define FIB_HOW "rebuild with GMP and FLINT (Debian: libgmp-dev libflint-dev)"

int cmd_fib(int argc, char **argv) {
    (void)argc, (void)argv;
    cli_error("fib: " FIB_OFF "; " FIB_HOW);
    return CORUN_EXIT_USAGE;
}

const char *corun_fib_libraries(void) { return "none: " FIB_OFF; }

const corun_fib_backend_t *corun_fib_backend_find(const char *name, corun_err_t *err) {
    (void)name;
    corun_err_set(err, CORUN_ENOTSUP, FIB_OFF);
    return NULL;
}

int corun_fib_algo_parse(const char *s, corun_fib_algo_t *out, corun_err_t *err) {
    (void)s, (void)out;
    return corun_err_set(err, CORUN_ENOTSUP, FIB_OFF);
}

int fib_parse_n(const char *s, uint64_t *out, corun_err_t *err) {
    (void)s, (void)out;
    return corun_err_set(err, CORUN_ENOTSUP, FIB_OFF);
}
