/* omp_rule_switch_x86_64.S — the rule function of the AVX-512 row kernels
 * for when a rule cannot be compiled at run time (omp_rule_jit.c: executable
 * memory refused, CORUN_OMP_JIT=0, more rules than it keeps).
 *
 * The kernels call one rule function per vector (omp_conway_avx512.h,
 * cw_rule_next), in registers of its own convention:
 *   in:  zmm26 alive, zmm27 x, zmm28 k, zmm29 y, zmm30 s0, rax (read here)
 *   out: zmm31 next state;  clobbered: zmm24, zmm25, zmm27
 * A compiled rule has the four tables' immediates in its instructions; this
 * one reaches them by four jumps, to the case of each table's value among
 * 32 (omp_rule_switch_cases[table][value]), whose addresses the kernel
 * passes in rax (odd_b, odd_s, even_b, even_s). The jumps go to the same
 * cases for a whole run, so they are predicted. Same bits as the compiled
 * rule: next = s0 ? (alive ? odd_s : odd_b) : (alive ? even_s : even_b),
 * each table a vpternlogq over (x, k, y) whose immediate is
 * CORUN_LIFE_TERNLOG_IMM(value) (kernels/life_word.h). One copy here
 * serves every kernel variant; a switch in the C kernels would be compiled
 * into each of them.
 */
#if defined(__x86_64__)

/* Cases of one table: value i computes into zmm DST, then jumps to DONE. */
.macro CW_CASES tab, dst, done
.irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
.Lcw_\tab\()_\i:
    vpternlogq $((((\i)>>0)&1)|((((\i)>>2)&1)<<1)|((((\i)>>1)&1)<<2)|((((\i)>>3)&1)<<3)|((((\i)>>1)&1)<<4)|((((\i)>>3)&1)<<5)|((((\i)>>2)&1)<<6)|((((\i)>>4)&1)<<7)), %zmm29, %zmm28, %\dst
    jmp \done
.endr
.endm

.macro CW_ADDRS tab
.irp i, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad .Lcw_\tab\()_\i
.endr
.endm

    .text
    .p2align 5
    .globl omp_rule_switch
    .hidden omp_rule_switch
    .type omp_rule_switch, @function
omp_rule_switch:
    vmovdqa64 %zmm27, %zmm31        /* odd_b(x, k, y) into zmm31 */
    jmp *(%rax)
.Lcw_ob_done:
    vmovdqa64 %zmm27, %zmm24        /* odd_s into zmm24 */
    jmp *8(%rax)
.Lcw_os_done:
    vpternlogq $0xB8, %zmm24, %zmm26, %zmm31   /* odd = alive ? odd_s : odd_b */
    vmovdqa64 %zmm27, %zmm25        /* even_b into zmm25 */
    jmp *16(%rax)
.Lcw_eb_done:
    jmp *24(%rax)                   /* even_s into zmm27 (x is not needed after) */
.Lcw_es_done:
    vpternlogq $0xB8, %zmm27, %zmm26, %zmm25   /* even = alive ? even_s : even_b */
    vpternlogq $0xE2, %zmm25, %zmm30, %zmm31   /* next = s0 ? odd : even */
    ret
    CW_CASES ob, zmm31, .Lcw_ob_done
    CW_CASES os, zmm24, .Lcw_os_done
    CW_CASES eb, zmm25, .Lcw_eb_done
    CW_CASES es, zmm27, .Lcw_es_done
    .size omp_rule_switch, .-omp_rule_switch

    .section .data.rel.ro,"aw"
    .p2align 3
    .globl omp_rule_switch_cases
    .hidden omp_rule_switch_cases
    .type omp_rule_switch_cases, @object
omp_rule_switch_cases:
    CW_ADDRS ob
    CW_ADDRS os
    CW_ADDRS eb
    CW_ADDRS es
    .size omp_rule_switch_cases, .-omp_rule_switch_cases

#endif

    .section .note.GNU-stack,"",%progbits
