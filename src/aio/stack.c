/* stack.c — coroutine stacks: lazily committed, guard page below each,
 * allocated in slabs of AIO_SLAB_SLOTS so that 100,000 stacks fit in the
 * kernel's limit on memory mappings.
 *
 * Why slabs. A guard page made with mprotect(PROT_NONE) splits its mapping:
 * every guarded stack costs two VMAs, and vm.max_map_count (65530 by default,
 * raisable only by root) caps a process at ~32,000 guarded stacks. Linux 6.13
 * added madvise(MADV_GUARD_INSTALL): a guard region that faults like
 * PROT_NONE but lives in the page tables, so a slab of 64 guarded stacks is a
 * single VMA and 100,000 stacks need ~1,600 mappings. We use it when the
 * kernel has it (guard_mode 1) and fall back to mprotect (guard_mode 2) on
 * older kernels, where allocation fails with a message naming
 * vm.max_map_count once the limit is reached. We never hand out a stack
 * without a guard page.
 *
 * Lazy commit. Slabs are MAP_NORESERVE private anonymous memory: a stack
 * costs resident memory only for the pages it has touched (an idle coroutine
 * touches one or two pages at its top). Free stacks are reused LIFO (their
 * pages are warm); a slab whose stacks are all free is unmapped, except the
 * last empty one, so a steady spawn/finish cycle makes no system calls.
 *
 * Loop thread only: no locking.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aio/aio_int.h"

#if AIO_ASAN
#include <sanitizer/asan_interface.h>
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13 uapi; older kernels answer EINVAL */
#endif

#define AIO_SLAB_SLOTS 64u

struct aio_slab {
    aio_slab_t *prev, *next; /* in aio_stacks_t.partial while nfree > 0 */
    char *base;
    size_t len;
    uint32_t nfree;
    uint64_t used;                 /* slots handed out at least once (ASan) */
    uint32_t free[AIO_SLAB_SLOTS]; /* stack of free slot numbers */
};

void aio_stacks_init(aio_stacks_t *s, size_t stack_size) {
    memset(s, 0, sizeof *s);
    long pg = sysconf(_SC_PAGESIZE);
    s->page = pg > 0 ? (size_t)pg : 4096;
    s->stack_size = (stack_size + s->page - 1) / s->page * s->page;
    s->slot_size = s->stack_size + s->page;
}

static void partial_push(aio_stacks_t *s, aio_slab_t *b) {
    b->prev = NULL;
    b->next = s->partial;
    if (s->partial) s->partial->prev = b;
    s->partial = b;
}

static void partial_remove(aio_stacks_t *s, aio_slab_t *b) {
    if (b->prev) b->prev->next = b->next;
    else s->partial = b->next;
    if (b->next) b->next->prev = b->prev;
    b->prev = b->next = NULL;
}

static int install_guards(aio_stacks_t *s, aio_slab_t *b, corun_err_t *err) {
    for (uint32_t i = 0; i < AIO_SLAB_SLOTS; i++) {
        char *g = b->base + (size_t)i * s->slot_size;
        if (s->guard_mode != 2) {
            if (madvise(g, s->page, MADV_GUARD_INSTALL) == 0) {
                s->guard_mode = 1;
                continue;
            }
            if (s->guard_mode == 1 || (errno != EINVAL && errno != ENOSYS))
                return corun_err_set(err, CORUN_ENOMEM,
                                     "aio: cannot install a stack guard page: %s",
                                     strerror(errno));
            s->guard_mode = 2; /* kernel < 6.13: use mprotect from now on */
        }
        if (mprotect(g, s->page, PROT_NONE) != 0)
            return corun_err_set(
                err, CORUN_ENOMEM,
                "aio: cannot protect a stack guard page (%s); this kernel lacks "
                "MADV_GUARD_INSTALL, so each coroutine stack costs two memory mappings "
                "and the process hit vm.max_map_count: run fewer coroutines at once or "
                "raise it (sysctl vm.max_map_count=262144)",
                strerror(errno));
    }
    return 0;
}

int aio_stacks_alloc(aio_stacks_t *s, aio_stack_t *out, corun_err_t *err) {
    aio_slab_t *b = s->partial;
    if (!b) {
        b = calloc(1, sizeof *b);
        if (!b) return corun_err_set(err, CORUN_ENOMEM, "aio: out of memory for a stack slab");
        b->len = s->slot_size * AIO_SLAB_SLOTS;
        void *m = mmap(NULL, b->len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            size_t len = b->len;
            free(b);
            return corun_err_set(err, CORUN_ENOMEM,
                                 "aio: cannot map %zu bytes of coroutine stacks: %s", len,
                                 strerror(e));
        }
        b->base = m;
        int rc = install_guards(s, b, err);
        if (rc) {
            munmap(b->base, b->len);
            free(b);
            return rc;
        }
        /* Hand out slot 0 first: the free stack is popped from the end. */
        for (uint32_t i = 0; i < AIO_SLAB_SLOTS; i++) b->free[i] = AIO_SLAB_SLOTS - 1 - i;
        b->nfree = AIO_SLAB_SLOTS;
        s->nempty++;
        partial_push(s, b);
        s->nslabs++;
    }
    if (b->nfree == AIO_SLAB_SLOTS) s->nempty--;
    uint32_t slot = b->free[--b->nfree];
    if (b->nfree == 0) partial_remove(s, b);
    out->slab = b;
    out->slot = slot;
    out->lo = b->base + (size_t)slot * s->slot_size + s->page;
    out->size = s->stack_size;
    s->in_use++;
#if AIO_ASAN
    /* A finished coroutine never returns from its frames, so their redzones
     * stay poisoned; a reused stack must start clean. (Fresh ones are: and
     * unpoisoning them would commit their shadow pages.) */
    if (b->used & ((uint64_t)1 << slot)) __asan_unpoison_memory_region(out->lo, out->size);
    b->used |= (uint64_t)1 << slot;
#endif
    return 0;
}

void aio_stacks_free(aio_stacks_t *s, aio_stack_t *st) {
    aio_slab_t *b = st->slab;
    AIO_ASSERT(b && b->nfree < AIO_SLAB_SLOTS);
    if (b->nfree == 0) partial_push(s, b);
    b->free[b->nfree++] = st->slot;
    s->in_use--;
    st->slab = NULL;
    if (b->nfree == AIO_SLAB_SLOTS) {
        if (s->nempty == 0) {
            s->nempty = 1; /* keep one empty slab: no mmap churn at a boundary */
        } else {
            partial_remove(s, b);
            munmap(b->base, b->len);
            free(b);
            s->nslabs--;
        }
    }
}

void aio_stacks_fini(aio_stacks_t *s) {
    AIO_ASSERT(s->in_use == 0);
    while (s->partial) {
        aio_slab_t *b = s->partial;
        partial_remove(s, b);
        munmap(b->base, b->len);
        free(b);
        s->nslabs--;
    }
    s->nempty = 0;
}
