/* switch_aarch64.S — the AArch64 (AAPCS64) coroutine context switch of src/aio.
 *
 * void corun_aio__asm_resume(aio_asm_ctx_t *from, aio_asm_ctx_t *to)
 * void corun_aio__asm_suspend(aio_asm_ctx_t *from, aio_asm_ctx_t *to)
 * (one body under both names; x86-64 has two copies, see switch_x86_64.S)
 *
 * Saves the callee-saved set of AAPCS64 — x19-x28, the frame pointer x29, the
 * link register x30 and the low halves d8-d15 of v8-v15 — in a 160-byte frame
 * on the current stack, stores sp in from->sp, loads to->sp, restores the
 * frame and returns through x30. FPCR is not switched (the runtime never
 * changes rounding modes; do not change them inside a coroutine).
 * Frame at sp (byte offsets): x19/x20 0, x21/x22 16, x23/x24 32, x25/x26 48,
 * x27/x28 64, x29/x30 80, d8/d9 96, d10/d11 112, d12/d13 128, d14/d15 144.
 * corun_aio__asm_make (ctx.c) builds this frame for a fresh stack with
 * x30 = corun_aio__asm_start, x19 = arg, x20 = entry.
 * Status: assembled with clang --target=aarch64-linux-gnu; never run here.
 */
#if defined(__aarch64__)
    .text
    .globl corun_aio__asm_resume
    .hidden corun_aio__asm_resume
    .type corun_aio__asm_resume, %function
    .globl corun_aio__asm_suspend
    .hidden corun_aio__asm_suspend
    .type corun_aio__asm_suspend, %function
    .p2align 4
corun_aio__asm_resume:
corun_aio__asm_suspend:
    .cfi_startproc
    sub sp, sp, #160
    stp x19, x20, [sp, #0]
    stp x21, x22, [sp, #16]
    stp x23, x24, [sp, #32]
    stp x25, x26, [sp, #48]
    stp x27, x28, [sp, #64]
    stp x29, x30, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x9, sp
    str x9, [x0]
    ldr x9, [x1]
    mov sp, x9
    ldp x19, x20, [sp, #0]
    ldp x21, x22, [sp, #16]
    ldp x23, x24, [sp, #32]
    ldp x25, x26, [sp, #48]
    ldp x27, x28, [sp, #64]
    ldp x29, x30, [sp, #80]
    ldp d8, d9, [sp, #96]
    ldp d10, d11, [sp, #112]
    ldp d12, d13, [sp, #128]
    ldp d14, d15, [sp, #144]
    add sp, sp, #160
    ret
    .cfi_endproc
    .size corun_aio__asm_resume, .-corun_aio__asm_resume
    .size corun_aio__asm_suspend, .-corun_aio__asm_suspend

/* First code on a fresh stack: x19 = arg, x20 = entry; entry never returns. */
    .globl corun_aio__asm_start
    .hidden corun_aio__asm_start
    .type corun_aio__asm_start, %function
    .p2align 4
corun_aio__asm_start:
    .cfi_startproc
    .cfi_undefined x30
    mov x29, #0
    mov x0, x19
    blr x20
    brk #0
    .cfi_endproc
    .size corun_aio__asm_start, .-corun_aio__asm_start
#endif
    .section .note.GNU-stack,"",%progbits
