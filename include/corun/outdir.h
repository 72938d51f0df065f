/* outdir.h — an output folder that is replaced whole or not at all.
 *
 * A run that writes a folder of files (csv split, fib --out DIR) builds
 * the complete new folder aside, next to the output in the same parent
 * folder (PARENT/.NAME.PID.new, so the final rename stays on one file
 * system), and only then swaps it into place:
 *   - where the kernel has it, one renameat2(RENAME_EXCHANGE) swaps the two
 *     folders in a single step, and the old one is removed afterwards;
 *   - otherwise the old folder is renamed to PARENT/.NAME.PID.old, the new
 *     one into NAME, and the old one removed; if the second rename fails the
 *     old folder is renamed back.
 * So at every moment NAME is the old output whole or the new output whole.
 * A run killed in between leaves .NAME.PID.new / .NAME.PID.old; the next run
 * on NAME removes them, or puts .old back when NAME is missing
 * (corun_lock_remove_stale, lock.h).
 *
 * The run holds NAME's lock (lock.h) from begin to end. An existing NAME is
 * replaced only with force, and only if every entry in it is one the
 * caller's `ours` predicate accepts (a regular file it could have written):
 * --force never removes a folder of someone else's files.
 */
#ifndef CORUN_OUTDIR_H
#define CORUN_OUTDIR_H

#include <stdio.h>

#include "corun/err.h"
#include "corun/lock.h"

typedef struct corun_outdir {
    char *path;       /* the output folder (a symbolic link resolved) */
    char *aside;      /* PARENT/.NAME.PID.new: the new output is built here */
    int existed;      /* path existed at begin: commit replaces it */
    int committed;
    corun_lock_t lock;
} corun_outdir_t;

#define CORUN_OUTDIR_INIT {NULL, NULL, 0, 0, CORUN_LOCK_INIT}

/* Takes path's lock (CORUN_EBUSY naming the holder), removes what killed
 * runs left, applies the overwrite rule and creates the aside folder.
 * ours(name) says whether an entry of an existing output may be replaced
 * (it is only asked about regular files; NULL: any regular file). Errors:
 * CORUN_EINVAL (exists without force, not a folder, holds an entry that is
 * not ours, a path such as "." that cannot be swapped), CORUN_EBUSY,
 * CORUN_EIO. On error nothing is held and nothing was created. */
CORUN_API int corun_outdir_begin(corun_outdir_t *d, const char *path, int force,
                                 int (*ours)(const char *name), corun_err_t *err);
/* Swaps the aside folder into place (the old output, if any, is removed
 * afterwards). On error the old output is in place, whole, and the aside
 * folder still exists (corun_outdir_end removes it). */
CORUN_API int corun_outdir_commit(corun_outdir_t *d, corun_err_t *err);
/* Removes the aside folder if it was not committed, releases the lock and
 * frees d's strings. Safe on a zeroed or CORUN_OUTDIR_INIT d. */
CORUN_API void corun_outdir_end(corun_outdir_t *d);

/* One output file, by the same rule: NAME's lock held from begin to end,
 * the new file written aside as PARENT/.NAME.PID.new and renamed over NAME
 * by commit, so NAME is the old file whole or the new one whole. An
 * existing NAME is replaced only with force (a folder never). */
typedef struct corun_outfile {
    char *path, *aside;
    FILE *f;          /* write the new file here (open on aside) */
    int committed;
    corun_lock_t lock;
} corun_outfile_t;

#define CORUN_OUTFILE_INIT {NULL, NULL, NULL, 0, CORUN_LOCK_INIT}

/* Errors: CORUN_EINVAL (exists without force, a folder), CORUN_EBUSY
 * (another run writes it), CORUN_EIO (with the OS reason). On error
 * nothing is held and nothing was created. */
CORUN_API int corun_outfile_begin(corun_outfile_t *o, const char *path, int force,
                                  corun_err_t *err);
/* Flushes, closes and renames the new file into place. */
CORUN_API int corun_outfile_commit(corun_outfile_t *o, corun_err_t *err);
/* Removes the new file if it was not committed, releases the lock. Safe on
 * a zeroed or CORUN_OUTFILE_INIT o. */
CORUN_API void corun_outfile_end(corun_outfile_t *o);

/* Removes a folder and everything under it without following symbolic
 * links; 0 or -1 (errno). */
CORUN_API int corun_remove_tree(const char *path);

/* Test hook (tests only set it): called instead of renameat2/rename by
 * commit with the same arguments (flags 0: a plain rename), so a test can
 * make a step fail. */
CORUN_API extern int (*corun_outdir_rename_hook)(const char *from, const char *to,
                                                 unsigned flags);

#endif
