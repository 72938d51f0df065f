/* lock.h — one writer per output: an exclusive lock held for a run's life.
 *
 * The lock is an fcntl record lock (an open-file-description lock where the
 * kernel has them, else a classic POSIX lock) on a small file next to the
 * output: OUTPUT's folder/.NAME.lock. The kernel drops it when the holder
 * exits, however it ends, so a dead run never blocks the next one. The
 * file's text ("pid P host H") is only used to name the holder in the
 * message; it never decides anything. fcntl locks are what NFS (lockd /
 * NFSv4) and Lustre (mounted with -o flock) carry between nodes; on Lustre
 * with -o localflock, or without flock support, they only exclude processes
 * of the same node.
 *
 * Protocol: open-or-create, lock, then check that the path still names the
 * locked file (a releasing holder unlinks it while still holding the lock);
 * retry if not. Release: unlink, then close.
 */
#ifndef CORUN_LOCK_H
#define CORUN_LOCK_H

#include "corun/err.h"

typedef struct corun_lock {
    int fd;         /* -1: not held */
    char *path;     /* the lock file */
} corun_lock_t;

#define CORUN_LOCK_INIT {-1, NULL}

/* Takes the exclusive lock of `output` (a file or a folder, existing or
 * not) without waiting. Returns 0, CORUN_EBUSY with a message naming the
 * holder (pid, host) and the output, or CORUN_EIO (the lock file cannot be
 * created or locked: reason from the OS). */
CORUN_API int corun_lock_output(const char *output, corun_lock_t *lk, corun_err_t *err);
/* Makes the lock file hold `bytes` of disk space (0 if the file system
 * cannot), and gives them back: room kept for the last words of a run that
 * fails because its disk is full (its status). */
CORUN_API int corun_lock_reserve(corun_lock_t *lk, long bytes);
CORUN_API void corun_lock_unreserve(corun_lock_t *lk);
/* Removes OUTPUT's temporaries that killed runs left behind:
 * folder/.NAME.PID.new (a new output file or folder being built before it
 * is renamed into place) and folder/.NAME.PID.old (an output folder moved
 * aside to be replaced, outdir.h; put back instead when NAME is missing,
 * since it is then the only whole output). Call only while holding
 * OUTPUT's lock: then no live run is building one. */
CORUN_API void corun_lock_remove_stale(const char *output);
/* folder/.NAME<suffix> for output folder/NAME (trailing slashes ignored),
 * malloc'd: the names of an output's lock file and temporaries. */
CORUN_API char *corun_lock_sibling(const char *output, const char *suffix);
/* Releases it (removes the lock file). Not held: a no-op. */
CORUN_API void corun_lock_release(corun_lock_t *lk);

#endif
