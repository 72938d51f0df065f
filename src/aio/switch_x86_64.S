/* switch_x86_64.S — the x86-64 (System V) coroutine context switch of src/aio.
 *
 * void corun_aio__asm_resume(aio_asm_ctx_t *from, aio_asm_ctx_t *to)
 * void corun_aio__asm_suspend(aio_asm_ctx_t *from, aio_asm_ctx_t *to)
 *
 * Saves what the SysV ABI says a callee must preserve — rbx, rbp, r12-r15,
 * the MXCSR control bits and the x87 control word — on the current stack,
 * stores rsp in from->sp, loads to->sp and restores the same set from there.
 * Everything else is caller-saved, so the C caller has already spilled it.
 * Frame at from->sp (low to high): [mxcsr:4][x87cw:2][pad:2] r15 r14 r13 r12
 * rbx rbp <return address>. corun_aio__asm_make (ctx.c) builds the same
 * frame for a fresh stack with corun_aio__asm_start as the return address.
 *
 * Why `pop; jmp *` instead of `ret`: the return address belongs to the other
 * context, so the CPU's return-stack predictor (which expects the caller of
 * this very call) mispredicts every switch; an indirect jump is predicted
 * from branch history, which learns the loop <-> coroutine ping-pong.
 * Measured on this machine: yield + resume through the loop 43-56 ns -> 36-40
 * ns (bench/aio, docs/AIO.md). The
 * binary is not marked for CET shadow stacks / IBT (no .note.gnu.property),
 * which this switch, like any stack-swapping one, would need to handle.
 */
#if defined(__x86_64__)
/* Two entry points with the same body: corun_aio__asm_resume (scheduler ->
 * coroutine) and corun_aio__asm_suspend (coroutine -> scheduler). Each one's
 * final jump then has one usual target (the other side's switch call site),
 * which the branch target buffer predicts without help from history. */
.macro CORUN_AIO_SWITCH name
    .text
    .globl \name
    .hidden \name
    .type \name, @function
    .p2align 4
\name:
    .cfi_startproc
    endbr64
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq (%rsi), %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    popq %rcx        /* rcx is caller-saved: free to use as the target */
    jmp *%rcx
    .cfi_endproc
    .size \name, .-\name
.endm

    CORUN_AIO_SWITCH corun_aio__asm_resume
    CORUN_AIO_SWITCH corun_aio__asm_suspend

/* First code run on a fresh stack: r12 = arg, r13 = entry. rsp is 16-byte
 * aligned here, so the call leaves the callee with the ABI's rsp % 16 == 8.
 * entry never returns; ud2 traps if it does. */
    .globl corun_aio__asm_start
    .hidden corun_aio__asm_start
    .type corun_aio__asm_start, @function
    .p2align 4
corun_aio__asm_start:
    .cfi_startproc
    .cfi_undefined rip
    endbr64
    movq %r12, %rdi
    callq *%r13
    ud2
    .cfi_endproc
    .size corun_aio__asm_start, .-corun_aio__asm_start
#endif
    .section .note.GNU-stack,"",%progbits
