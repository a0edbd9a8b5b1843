/*
 * riscv.h: RV64 privileged-architecture constants and accessors for the
 * bare-metal guest tests (CSR bits, causes, PTE and PMP fields, the virt
 * board's memory map).
 */
#ifndef TCG_RISCV_H
#define TCG_RISCV_H

/* Constants are usable from assembly too; in C U64() makes them uint64_t */
#ifdef __ASSEMBLER__
#define U64(x) x
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#define U64(x) UINT64_C(x)
#endif

/* Privilege levels, as encoded in mstatus.MPP */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* mstatus / sstatus */
#define MSTATUS_SIE     (U64(1) << 1)
#define MSTATUS_MIE     (U64(1) << 3)
#define MSTATUS_SPIE    (U64(1) << 5)
#define MSTATUS_MPIE    (U64(1) << 7)
#define MSTATUS_SPP     (U64(1) << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP     (U64(3) << MSTATUS_MPP_SHIFT)
#define MSTATUS_FS      (U64(3) << 13)
#define MSTATUS_MPRV    (U64(1) << 17)
#define MSTATUS_SUM     (U64(1) << 18)
#define MSTATUS_MXR     (U64(1) << 19)
#define MSTATUS_TVM     (U64(1) << 20)
#define MSTATUS_TW      (U64(1) << 21)
#define MSTATUS_TSR     (U64(1) << 22)
#define MSTATUS_UXL_SHIFT 32
#define MSTATUS_UXL     (U64(3) << MSTATUS_UXL_SHIFT)
#define MSTATUS_SXL_SHIFT 34
#define MSTATUS_SXL     (U64(3) << MSTATUS_SXL_SHIFT)

/* Interrupt numbers (bits of mip/mie, low bits of an interrupt's mcause) */
#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define IRQ_SEI 9
#define IRQ_MEI 11
#define MIP_SSIP (U64(1) << IRQ_SSI)
#define MIP_MSIP (U64(1) << IRQ_MSI)
#define MIP_STIP (U64(1) << IRQ_STI)
#define MIP_MTIP (U64(1) << IRQ_MTI)
#define MIP_SEIP (U64(1) << IRQ_SEI)
#define MIP_MEIP (U64(1) << IRQ_MEI)
#define CAUSE_INTERRUPT (U64(1) << 63)

/* Exception causes */
#define EXC_INSN_MISALIGNED    0
#define EXC_INSN_ACCESS        1
#define EXC_ILLEGAL_INSN       2
#define EXC_BREAKPOINT         3
#define EXC_LOAD_MISALIGNED    4
#define EXC_LOAD_ACCESS        5
#define EXC_STORE_MISALIGNED   6
#define EXC_STORE_ACCESS       7
#define EXC_ECALL_U            8
#define EXC_ECALL_S            9
#define EXC_ECALL_M            11
#define EXC_INSN_PAGE_FAULT    12
#define EXC_LOAD_PAGE_FAULT    13
#define EXC_STORE_PAGE_FAULT   15

/* satp */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE U64(0)
#define SATP_MODE_SV39 U64(8)
#define SATP_MODE_SV48 U64(9)
#define SATP_MODE_SV57 U64(10)
#define SATP_MODE_SV64 U64(11)
#define SATP_ASID_SHIFT 44
#define SATP_PPN_MASK ((U64(1) << 44) - 1)

/* Page-table entries */
#define PTE_V (U64(1) << 0)
#define PTE_R (U64(1) << 1)
#define PTE_W (U64(1) << 2)
#define PTE_X (U64(1) << 3)
#define PTE_U (U64(1) << 4)
#define PTE_G (U64(1) << 5)
#define PTE_A (U64(1) << 6)
#define PTE_D (U64(1) << 7)
#define PTE_PPN_SHIFT 10
#define PAGE_SHIFT 12
#define PAGE_SIZE (U64(1) << PAGE_SHIFT)

/* PMP configuration byte */
#define PMP_R 0x01
#define PMP_W 0x02
#define PMP_X 0x04
#define PMP_OFF 0x00
#define PMP_TOR 0x08
#define PMP_NA4 0x10
#define PMP_NAPOT 0x18
#define PMP_L 0x80

/* misa */
#define MISA_EXT(c) (U64(1) << ((c) - 'A'))
#define MISA_MXL_64 (U64(2) << 62)

/* The virt board's memory map (what -M virt gives; Grace copies it) */
#define VIRT_TEST_BASE  0x100000      /* sifive_test finisher */
#define VIRT_CLINT_BASE 0x2000000
#define VIRT_PLIC_BASE  0xc000000
#define VIRT_UART0_BASE 0x10000000
#define VIRT_DRAM_BASE  0x80000000

#define CLINT_MSIP(hart)      (VIRT_CLINT_BASE + 4 * (hart))
#define CLINT_MTIMECMP(hart)  (VIRT_CLINT_BASE + 0x4000 + 8 * (hart))
#define CLINT_MTIME           (VIRT_CLINT_BASE + 0xbff8)
#define CLINT_TIMEBASE_HZ     U64(10000000)

#define PLIC_PRIORITY(src)    (VIRT_PLIC_BASE + 4 * (src))
#define PLIC_ENABLE(ctx)      (VIRT_PLIC_BASE + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx)   (VIRT_PLIC_BASE + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx)       (PLIC_THRESHOLD(ctx) + 4)
#define UART0_IRQ 10

#ifndef __ASSEMBLER__

/* CSR access by name: csr_read(mstatus), csr_write(mepc, x), ... */
#define csr_read(csr) ({                                        \
    uint64_t v_;                                                \
    asm volatile("csrr %0, " #csr : "=r"(v_) : : "memory");     \
    v_;                                                         \
})
#define csr_write(csr, val) \
    asm volatile("csrw " #csr ", %0" : : "r"((uint64_t)(val)) : "memory")
#define csr_set(csr, val) \
    asm volatile("csrs " #csr ", %0" : : "r"((uint64_t)(val)) : "memory")
#define csr_clear(csr, val) \
    asm volatile("csrc " #csr ", %0" : : "r"((uint64_t)(val)) : "memory")
#define csr_swap(csr, val) ({                                   \
    uint64_t v_;                                                \
    asm volatile("csrrw %0, " #csr ", %1"                       \
                 : "=r"(v_) : "r"((uint64_t)(val)) : "memory"); \
    v_;                                                         \
})

static inline uint64_t mmio_read64(uintptr_t addr)
{
    return *(volatile uint64_t *)addr;
}

static inline uint32_t mmio_read32(uintptr_t addr)
{
    return *(volatile uint32_t *)addr;
}

static inline uint8_t mmio_read8(uintptr_t addr)
{
    return *(volatile uint8_t *)addr;
}

static inline void mmio_write64(uintptr_t addr, uint64_t val)
{
    *(volatile uint64_t *)addr = val;
}

static inline void mmio_write32(uintptr_t addr, uint32_t val)
{
    *(volatile uint32_t *)addr = val;
}

static inline void mmio_write8(uintptr_t addr, uint8_t val)
{
    *(volatile uint8_t *)addr = val;
}

static inline void fence_i(void)
{
    asm volatile("fence.i" : : : "memory");
}

static inline void sfence_vma(void)
{
    asm volatile("sfence.vma" : : : "memory");
}

#endif /* !__ASSEMBLER__ */

#endif /* TCG_RISCV_H */
