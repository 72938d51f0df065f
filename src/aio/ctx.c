/* ctx.c — building the first frame of a coroutine for the assembly switch,
 * and the portable ucontext switch (see aio_int.h for which one runs). */
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include "aio/aio_int.h"

#if AIO_HAVE_ASM
void corun_aio__asm_start(void); /* switch_*.S */

void corun_aio__asm_make(aio_asm_ctx_t *c, void *lo, size_t size, void (*entry)(void *),
                         void *arg) {
    uintptr_t top = ((uintptr_t)lo + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    /* The frame corun_aio__asm_resume/suspend pop (switch_x86_64.S), low to high:
     * mxcsr+x87cw, r15, r14, r13 = entry, r12 = arg, rbx, rbp = 0, return
     * address = corun_aio__asm_start, then 16 zero bytes so that after the
     * `ret` rsp is 16-byte aligned (top - 16). */
    uint64_t *sp = (uint64_t *)(top - 80);
    memset(sp, 0, 80);
    uint32_t mxcsr = 0x1F80;  /* ABI default: all exceptions masked, round to nearest */
    uint16_t x87cw = 0x037F;  /* ABI default: extended precision, all masked */
    memcpy((char *)sp, &mxcsr, 4);
    memcpy((char *)sp + 4, &x87cw, 2);
    sp[3] = (uint64_t)(uintptr_t)entry;
    sp[4] = (uint64_t)(uintptr_t)arg;
    sp[7] = (uint64_t)(uintptr_t)corun_aio__asm_start;
    c->sp = sp;
#elif defined(__aarch64__)
    /* The 160-byte frame of switch_aarch64.S: x19 = arg, x20 = entry,
     * x29 = 0, x30 = corun_aio__asm_start; sp ends at top (16-aligned). */
    uint64_t *sp = (uint64_t *)(top - 160);
    memset(sp, 0, 160);
    sp[0] = (uint64_t)(uintptr_t)arg;
    sp[1] = (uint64_t)(uintptr_t)entry;
    sp[11] = (uint64_t)(uintptr_t)corun_aio__asm_start;
    c->sp = sp;
#endif
}
#endif

/* makecontext passes int arguments only: a pointer travels as two halves. */
static void uc_trampoline(unsigned eh, unsigned el, unsigned ah, unsigned al) {
    void (*entry)(void *) =
        (void (*)(void *))(((uintptr_t)eh << 16 << 16) | (uintptr_t)el);
    void *arg = (void *)(((uintptr_t)ah << 16 << 16) | (uintptr_t)al);
    entry(arg);
}

int corun_aio__uc_make(aio_uc_ctx_t *c, void *lo, size_t size, void (*entry)(void *),
                       void *arg) {
    if (getcontext(&c->uc) != 0) return CORUN_EINTERNAL;
    c->uc.uc_stack.ss_sp = lo;
    c->uc.uc_stack.ss_size = size;
    c->uc.uc_link = NULL;
    uintptr_t e = (uintptr_t)entry, a = (uintptr_t)arg;
    makecontext(&c->uc, (void (*)(void))uc_trampoline, 4, (unsigned)(e >> 16 >> 16),
                (unsigned)(e & 0xffffffffu), (unsigned)(a >> 16 >> 16),
                (unsigned)(a & 0xffffffffu));
    return 0;
}

void corun_aio__uc_switch(aio_uc_ctx_t *from, aio_uc_ctx_t *to) {
    swapcontext(&from->uc, &to->uc);
}
