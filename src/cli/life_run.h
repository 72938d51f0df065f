/* life_run.h — the stepping loop of `corun life` (life_run.c). */
#ifndef CORUN_LIFE_RUN_H
#define CORUN_LIFE_RUN_H

#include "cli.h"
#include "corun/h5io.h"

typedef struct life_result {
    double seconds;     /* wall time of the loop (stepping + hand-overs) */
    char mode[64];      /* the backend's describe() */
    int64_t generation; /* generation reached */
    int interrupted;    /* stopped by a signal */
} life_result_t;

void life_signals_install(void);
int life_signal_received(void);

/* Steps the backend state st (opened by the caller from grid, which it also
 * closes) from generation start_gen for o->steps generations (fewer if a
 * signal arrives); with snap, hands frames and populations to it (the
 * caller opened it and closes it). The final state is read back into grid.
 * With the MPI slab backend (be == &corun_life_backend_slab) grid is this
 * rank's rows and every chunk is agreed between the ranks. */
int life_run(life_opts_t *o, const corun_life_backend_t *be, void *st, corun_life_cells_t *grid,
             int64_t start_gen, corun_snap_t *snap, life_result_t *res, corun_err_t *err);

#endif
