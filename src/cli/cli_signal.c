/* cli_signal.c — the stop flag set by SIGTERM / SIGINT (cli_signal.h). */
#include "cli_signal.h"

#include <string.h>

volatile sig_atomic_t cli_stop_signal;

/* Only async-signal-safe work here: record the signal; a second one
 * restores the default action and re-raises it. */
static void on_signal(int sig) {
    if (cli_stop_signal) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    cli_stop_signal = sig;
}

void cli_stop_signals_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* I/O in progress goes on; the loop checks the flag */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL); /* Slurm's --signal before a time limit */
}
