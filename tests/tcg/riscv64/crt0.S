/*
 * crt0.S: reset entry, trap entry points and privilege switching for the
 * bare-metal guest tests.
 *
 * Every hart enters _start in M-mode with a0 = mhartid and a1 = the device
 * tree's address.  Each hart keeps its id in tp (smp_hart_id()) and gets
 * its own stack and its own M and S trap stacks; hart 0 clears .bss, sets
 * up the runtime, runs main() and exits through the finisher with main's
 * return value.  The others sleep until runtime_init() has set boot_done
 * and rung their msip, and then go to smp_secondary_entry() (smp.c).
 *
 * Trap entries save every register in a struct trap_frame (runtime.h) on the
 * trap stack whose top is kept in mscratch/sscratch, call the C handler, and
 * return with the frame's epc and status, which the handler may change.
 * A trap taken while a handler runs is not supported: the handlers never
 * touch memory that can fault.
 */
#include "layout.h"

    .option norelax

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    mv      s0, a0
    mv      s1, a1
    li      t0, MAX_HARTS
    bgeu    s0, t0, park
    mv      tp, s0

    /* Hart h's stack, M trap stack and S trap stack end at (h + 1) * size */
    addi    t0, s0, 1
    la      sp, hart_stacks
    slli    t1, t0, STACK_SHIFT
    add     sp, sp, t1
    la      t2, m_trap_stacks
    slli    t1, t0, TRAP_STACK_SHIFT
    add     t2, t2, t1
    csrw    mscratch, t2
    la      t2, s_trap_stacks
    add     t2, t2, t1
    csrw    sscratch, t2

    la      t0, m_trap_entry
    csrw    mtvec, t0
    la      t0, s_trap_entry
    csrw    stvec, t0

    /*
     * Let S and U reach all memory through the last PMP entry (NAPOT over
     * the whole address space, RWX), as firmware would.  Tests that study
     * PMP program the entries themselves; lower entries take priority.
     */
    li      t0, -1
    csrw    pmpaddr15, t0
    li      t0, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56
    csrw    pmpcfg2, t0

    bnez    s0, secondary

    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    mv      a0, s0
    mv      a1, s1
    call    runtime_init        /* releases the other harts at its end */
    mv      a0, s0
    call    main
    call    test_finish

secondary:
    /* Sleep until boot_done; smp_release() rings msip after setting it */
    li      t0, MIP_MSIP
    csrs    mie, t0
    la      t1, boot_done
1:  lw      t0, 0(t1)
    bnez    t0, 2f
    wfi
    j       1b
2:  /* Pairs with the fence before hart 0's store to boot_done */
    fence   r, rw
    mv      a0, s0
    call    smp_secondary_entry
park:
    wfi
    j       park

/*
 * TRAP_ENTRY p, handler: p is m or s.  sp is swapped with the trap stack top
 * held in pscratch; the interrupted sp goes to the frame, and pscratch gets
 * the trap stack top back before the handler runs.
 */
.macro TRAP_ENTRY p, handler
    csrrw   sp, \p\()scratch, sp
    addi    sp, sp, -FRAME_SIZE
    sd      x1, 1 * 8(sp)
    sd      x3, 3 * 8(sp)
    sd      x4, 4 * 8(sp)
    sd      x5, 5 * 8(sp)
    sd      x6, 6 * 8(sp)
    sd      x7, 7 * 8(sp)
    sd      x8, 8 * 8(sp)
    sd      x9, 9 * 8(sp)
    sd      x10, 10 * 8(sp)
    sd      x11, 11 * 8(sp)
    sd      x12, 12 * 8(sp)
    sd      x13, 13 * 8(sp)
    sd      x14, 14 * 8(sp)
    sd      x15, 15 * 8(sp)
    sd      x16, 16 * 8(sp)
    sd      x17, 17 * 8(sp)
    sd      x18, 18 * 8(sp)
    sd      x19, 19 * 8(sp)
    sd      x20, 20 * 8(sp)
    sd      x21, 21 * 8(sp)
    sd      x22, 22 * 8(sp)
    sd      x23, 23 * 8(sp)
    sd      x24, 24 * 8(sp)
    sd      x25, 25 * 8(sp)
    sd      x26, 26 * 8(sp)
    sd      x27, 27 * 8(sp)
    sd      x28, 28 * 8(sp)
    sd      x29, 29 * 8(sp)
    sd      x30, 30 * 8(sp)
    sd      x31, 31 * 8(sp)
    csrr    t0, \p\()scratch
    sd      t0, 2 * 8(sp)
    addi    t0, sp, FRAME_SIZE
    csrw    \p\()scratch, t0
    csrr    t0, \p\()epc
    sd      t0, FRAME_EPC(sp)
    csrr    t0, \p\()status
    sd      t0, FRAME_STATUS(sp)
    csrr    t0, \p\()cause
    sd      t0, FRAME_CAUSE(sp)
    csrr    t0, \p\()tval
    sd      t0, FRAME_TVAL(sp)
    mv      a0, sp
    call    \handler
    ld      t0, FRAME_EPC(sp)
    csrw    \p\()epc, t0
    ld      t0, FRAME_STATUS(sp)
    csrw    \p\()status, t0
    ld      x1, 1 * 8(sp)
    ld      x3, 3 * 8(sp)
    ld      x4, 4 * 8(sp)
    ld      x5, 5 * 8(sp)
    ld      x6, 6 * 8(sp)
    ld      x7, 7 * 8(sp)
    ld      x8, 8 * 8(sp)
    ld      x9, 9 * 8(sp)
    ld      x10, 10 * 8(sp)
    ld      x11, 11 * 8(sp)
    ld      x12, 12 * 8(sp)
    ld      x13, 13 * 8(sp)
    ld      x14, 14 * 8(sp)
    ld      x15, 15 * 8(sp)
    ld      x16, 16 * 8(sp)
    ld      x17, 17 * 8(sp)
    ld      x18, 18 * 8(sp)
    ld      x19, 19 * 8(sp)
    ld      x20, 20 * 8(sp)
    ld      x21, 21 * 8(sp)
    ld      x22, 22 * 8(sp)
    ld      x23, 23 * 8(sp)
    ld      x24, 24 * 8(sp)
    ld      x25, 25 * 8(sp)
    ld      x26, 26 * 8(sp)
    ld      x27, 27 * 8(sp)
    ld      x28, 28 * 8(sp)
    ld      x29, 29 * 8(sp)
    ld      x30, 30 * 8(sp)
    ld      x31, 31 * 8(sp)
    ld      sp, 2 * 8(sp)
    \p\()ret
.endm

    .text
    .balign 4
    .globl  m_trap_entry
m_trap_entry:
    TRAP_ENTRY m, m_trap_handler

    .balign 4
    .globl  s_trap_entry
s_trap_entry:
    TRAP_ENTRY s, s_trap_handler

/*
 * long run_in_mode(int prv, long (*fn)(long), long arg)
 *
 * Called in M-mode: runs fn(arg) in privilege level prv on the caller's
 * stack and returns its result.  fn's caller in the lower level ends with
 * the ecall at run_in_mode_ecall, which m_trap_handler recognises by its
 * address and turns into a call of run_in_mode_resume.  When U-mode ecalls
 * are delegated, s_trap_handler passes the result on through the ecall at
 * run_in_mode_forward_ecall.  mstatus.MIE is restored on return.
 */
    .globl  run_in_mode
run_in_mode:
    addi    sp, sp, -112
    sd      ra, 0(sp)
    sd      s0, 8(sp)
    sd      s1, 16(sp)
    sd      s2, 24(sp)
    sd      s3, 32(sp)
    sd      s4, 40(sp)
    sd      s5, 48(sp)
    sd      s6, 56(sp)
    sd      s7, 64(sp)
    sd      s8, 72(sp)
    sd      s9, 80(sp)
    sd      s10, 88(sp)
    sd      s11, 96(sp)
    csrr    t0, mstatus
    sd      t0, 104(sp)
    csrr    t1, mhartid
    slli    t1, t1, 3
    la      t2, run_in_mode_sp
    add     t2, t2, t1
    sd      sp, 0(t2)

    li      t0, MSTATUS_MPP
    csrc    mstatus, t0
    andi    a0, a0, 3
    slli    a0, a0, MSTATUS_MPP_SHIFT
    csrs    mstatus, a0
    la      t0, run_in_mode_lower
    csrw    mepc, t0
    mv      a0, a2
    mret

run_in_mode_lower:
    jalr    a1
    .globl  run_in_mode_ecall
run_in_mode_ecall:
    ecall
1:  j       1b

/* void run_in_mode_forward(long result): S-mode, never returns */
    .globl  run_in_mode_forward
run_in_mode_forward:
    .globl  run_in_mode_forward_ecall
run_in_mode_forward_ecall:
    ecall
1:  j       1b

/*
 * void run_in_mode_resume(long result): called by the M trap handler on the
 * trap stack; unwinds to run_in_mode's caller.  mscratch already holds the
 * trap stack top again (set on trap entry).
 */
    .globl  run_in_mode_resume
run_in_mode_resume:
    csrr    t1, mhartid
    slli    t1, t1, 3
    la      t2, run_in_mode_sp
    add     t2, t2, t1
    ld      sp, 0(t2)
    ld      t0, 104(sp)
    andi    t0, t0, MSTATUS_MIE
    csrs    mstatus, t0
    ld      ra, 0(sp)
    ld      s0, 8(sp)
    ld      s1, 16(sp)
    ld      s2, 24(sp)
    ld      s3, 32(sp)
    ld      s4, 40(sp)
    ld      s5, 48(sp)
    ld      s6, 56(sp)
    ld      s7, 64(sp)
    ld      s8, 72(sp)
    ld      s9, 80(sp)
    ld      s10, 88(sp)
    ld      s11, 96(sp)
    addi    sp, sp, 112
    ret

    .bss
    .balign 8
run_in_mode_sp:
    .space  8 * MAX_HARTS

    .section .stacks, "aw", @nobits
    .balign 4096
hart_stacks:
    .space  MAX_HARTS << STACK_SHIFT
m_trap_stacks:
    .space  MAX_HARTS << TRAP_STACK_SHIFT
s_trap_stacks:
    .space  MAX_HARTS << TRAP_STACK_SHIFT
