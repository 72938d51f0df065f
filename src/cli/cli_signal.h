/* cli_signal.h — SIGTERM, SIGINT and SIGUSR1 for the subcommands whose work
 * loop polls a flag (life, csv split, fib): the handler only records the signal; the
 * loop sees the flag, stops, cleans up and the program exits
 * CORUN_EXIT_SIGNAL. A second signal ends the process at once (the default
 * action); what it leaves behind is removed by the next run on the same
 * output (include/corun/lock.h). */
#ifndef CORUN_CLI_SIGNAL_H
#define CORUN_CLI_SIGNAL_H

#include <signal.h>

/* The signal number once one arrived, else 0. */
extern volatile sig_atomic_t cli_stop_signal;

/* Installs the handler for SIGTERM, SIGINT and SIGUSR1. */
void cli_stop_signals_install(void);

#endif
