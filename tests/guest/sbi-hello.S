/*
 * Grace test payload: the smallest S-mode program OpenSBI can jump to.
 *
 * OpenSBI enters it in S-mode with a0 = hart id and a1 = the device tree.
 * It checks that a1 points at a flattened device tree, prints one line
 * through the legacy SBI console (extension 0x01), and powers the machine
 * off through SBI SRST, so the emulator exits with status 0:
 *
 *   GRACE-PAYLOAD: hello from S-mode, a1 holds a device tree
 *
 * Position independent (only pc-relative addressing); linked at
 * 0x80200000, where fw_jump jumps and where -kernel puts it.
 */

#define SBI_EXT_LEGACY_PUTCHAR  0x01
#define SBI_EXT_SRST            0x53525354
#define SBI_SRST_SHUTDOWN       0
#define SBI_SRST_NO_REASON      0
/* The FDT magic 0xd00dfeed is big-endian: a little-endian load sees this. */
#define FDT_MAGIC_LE            0xedfe0dd0

    .section .text
    .globl _start
_start:
    lla     s0, msg_hello
    call    puts
    lwu     t0, 0(a1)
    li      t1, FDT_MAGIC_LE
    lla     s0, msg_dtb_bad
    bne     t0, t1, 1f
    lla     s0, msg_dtb_ok
1:  call    puts

    li      a7, SBI_EXT_SRST
    li      a6, 0                       /* function 0: system_reset */
    li      a0, SBI_SRST_SHUTDOWN
    li      a1, SBI_SRST_NO_REASON
    ecall
    /* Only reached if SRST failed. */
    lla     s0, msg_srst_failed
    call    puts
2:  wfi
    j       2b

/* Print the NUL-terminated string at s0; keeps a0/a1 intact. */
puts:
    mv      s1, a0
    mv      s2, a1
3:  lbu     a0, 0(s0)
    beqz    a0, 4f
    li      a7, SBI_EXT_LEGACY_PUTCHAR
    ecall
    addi    s0, s0, 1
    j       3b
4:  mv      a0, s1
    mv      a1, s2
    ret

    .section .rodata
msg_hello:
    .asciz  "GRACE-PAYLOAD: hello from S-mode, "
msg_dtb_ok:
    .asciz  "a1 holds a device tree\r\n"
msg_dtb_bad:
    .asciz  "FAIL: a1 does not point at a device tree\r\n"
msg_srst_failed:
    .asciz  "GRACE-PAYLOAD: FAIL: SBI SRST returned\r\n"
