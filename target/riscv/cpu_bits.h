/*
 * RISC-V architectural constants: CSR numbers, register fields, causes
 * (privileged architecture 1.12).
 */
#ifndef TARGET_RISCV_CPU_BITS_H
#define TARGET_RISCV_CPU_BITS_H

#define get_field(reg, mask)    (((reg) & (uint64_t)(mask)) / ((mask) & ~((mask) << 1)))
#define set_field(reg, mask, val) \
    (((reg) & ~(uint64_t)(mask)) | \
     (((uint64_t)(val) * ((mask) & ~((mask) << 1))) & (uint64_t)(mask)))

/* Privilege levels (also the mmu indexes) */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* Unprivileged counters */
#define CSR_CYCLE           0xc00
#define CSR_TIME            0xc01
#define CSR_INSTRET         0xc02
#define CSR_HPMCOUNTER3     0xc03
#define CSR_HPMCOUNTER31    0xc1f

/* Supervisor */
#define CSR_SSTATUS         0x100
#define CSR_SIE             0x104
#define CSR_STVEC           0x105
#define CSR_SCOUNTEREN      0x106
#define CSR_SENVCFG         0x10a
#define CSR_SSCRATCH        0x140
#define CSR_SEPC            0x141
#define CSR_SCAUSE          0x142
#define CSR_STVAL           0x143
#define CSR_SIP             0x144
#define CSR_SATP            0x180

/* Machine */
#define CSR_MVENDORID       0xf11
#define CSR_MARCHID         0xf12
#define CSR_MIMPID          0xf13
#define CSR_MHARTID         0xf14
#define CSR_MCONFIGPTR      0xf15
#define CSR_MSTATUS         0x300
#define CSR_MISA            0x301
#define CSR_MEDELEG         0x302
#define CSR_MIDELEG         0x303
#define CSR_MIE             0x304
#define CSR_MTVEC           0x305
#define CSR_MCOUNTEREN      0x306
#define CSR_MENVCFG         0x30a
#define CSR_MCOUNTINHIBIT   0x320
#define CSR_MSCRATCH        0x340
#define CSR_MEPC            0x341
#define CSR_MCAUSE          0x342
#define CSR_MTVAL           0x343
#define CSR_MIP             0x344
#define CSR_PMPCFG0         0x3a0
#define CSR_PMPCFG2         0x3a2
#define CSR_PMPADDR0        0x3b0
#define CSR_PMPADDR15       0x3bf
#define CSR_MCYCLE          0xb00
#define CSR_MINSTRET        0xb02

/* Debug triggers (Sdtrig, debug specification 1.0) */
#define CSR_TSELECT         0x7a0
#define CSR_TDATA1          0x7a1
#define CSR_TDATA2          0x7a2
#define CSR_TDATA3          0x7a3
#define CSR_TINFO           0x7a4

/* tdata1: the trigger's type in bits 63:60 */
#define TDATA1_TYPE             0xf000000000000000ULL
#define TRIGGER_TYPE_MCONTROL6  6
#define TRIGGER_TYPE_DISABLED   15

/* mcontrol6 (tdata1 of type 6) */
#define MCONTROL6_HIT1      (1ULL << 25)
#define MCONTROL6_VS        (1ULL << 24)
#define MCONTROL6_VU        (1ULL << 23)
#define MCONTROL6_HIT0      (1ULL << 22)
#define MCONTROL6_SELECT    (1ULL << 21)
#define MCONTROL6_SIZE      (7ULL << 16)
#define MCONTROL6_ACTION    (0xfULL << 12)
#define MCONTROL6_CHAIN     (1ULL << 11)
#define MCONTROL6_MATCH     (0xfULL << 7)
#define MCONTROL6_M         (1ULL << 6)
#define MCONTROL6_S         (1ULL << 4)
#define MCONTROL6_U         (1ULL << 3)
#define MCONTROL6_EXECUTE   (1ULL << 2)
#define MCONTROL6_STORE     (1ULL << 1)
#define MCONTROL6_LOAD      (1ULL << 0)

/* tinfo: the version, and a bit per supported type */
#define TINFO_VERSION_1     (1ULL << 24)

/* mstatus / sstatus */
#define MSTATUS_SIE     0x00000002
#define MSTATUS_MIE     0x00000008
#define MSTATUS_SPIE    0x00000020
#define MSTATUS_UBE     0x00000040
#define MSTATUS_MPIE    0x00000080
#define MSTATUS_SPP     0x00000100
#define MSTATUS_VS      0x00000600
#define MSTATUS_MPP     0x00001800
#define MSTATUS_FS      0x00006000
#define MSTATUS_XS      0x00018000
#define MSTATUS_MPRV    0x00020000
#define MSTATUS_SUM     0x00040000
#define MSTATUS_MXR     0x00080000
#define MSTATUS_TVM     0x00100000
#define MSTATUS_TW      0x00200000
#define MSTATUS_TSR     0x00400000
#define MSTATUS_UXL     0x0000000300000000ULL
#define MSTATUS_SXL     0x0000000c00000000ULL
#define MSTATUS_SD      0x8000000000000000ULL

/* What software may change in mstatus; the rest is fixed at reset. */
#define MSTATUS_WRITABLE    (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | \
                             MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | \
                             MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | \
                             MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)

#define MXL_RV64        2

/* misa: RV64 I M A C S U */
#define RVA (1 << ('A' - 'A'))
#define RVC (1 << ('C' - 'A'))
#define RVI (1 << ('I' - 'A'))
#define RVM (1 << ('M' - 'A'))
#define RVS (1 << ('S' - 'A'))
#define RVU (1 << ('U' - 'A'))
#define MISA_VALUE  (((uint64_t)MXL_RV64 << 62) | RVI | RVM | RVA | RVC | \
                     RVS | RVU)

/* Interrupts: bit numbers in mip/mie, and causes */
#define IRQ_S_SOFT      1
#define IRQ_M_SOFT      3
#define IRQ_S_TIMER     5
#define IRQ_M_TIMER     7
#define IRQ_S_EXT       9
#define IRQ_M_EXT       11

#define MIP_SSIP    (1 << IRQ_S_SOFT)
#define MIP_MSIP    (1 << IRQ_M_SOFT)
#define MIP_STIP    (1 << IRQ_S_TIMER)
#define MIP_MTIP    (1 << IRQ_M_TIMER)
#define MIP_SEIP    (1 << IRQ_S_EXT)
#define MIP_MEIP    (1 << IRQ_M_EXT)

#define S_MODE_INTERRUPTS   (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define ALL_INTERRUPTS      (S_MODE_INTERRUPTS | MIP_MSIP | MIP_MTIP | MIP_MEIP)

/* Exception causes */
typedef enum RISCVException {
    RISCV_EXCP_NONE = -1,
    RISCV_EXCP_INST_ADDR_MIS = 0,
    RISCV_EXCP_INST_ACCESS_FAULT = 1,
    RISCV_EXCP_ILLEGAL_INST = 2,
    RISCV_EXCP_BREAKPOINT = 3,
    RISCV_EXCP_LOAD_ADDR_MIS = 4,
    RISCV_EXCP_LOAD_ACCESS_FAULT = 5,
    RISCV_EXCP_STORE_AMO_ADDR_MIS = 6,
    RISCV_EXCP_STORE_AMO_ACCESS_FAULT = 7,
    RISCV_EXCP_U_ECALL = 8,
    RISCV_EXCP_S_ECALL = 9,
    RISCV_EXCP_M_ECALL = 11,
    RISCV_EXCP_INST_PAGE_FAULT = 12,
    RISCV_EXCP_LOAD_PAGE_FAULT = 13,
    RISCV_EXCP_STORE_PAGE_FAULT = 15,
} RISCVException;

/* Exceptions M-mode may delegate (not ecall from M, nor reserved ones). */
#define DELEGABLE_EXCPS     ((1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | \
                             (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | \
                             (1 << 8) | (1 << 9) | (1 << 12) | (1 << 13) | \
                             (1 << 15))

/* cs->exception_index for an interrupt: the flag plus its number */
#define RISCV_EXCP_INT_FLAG     0x80000000
#define RISCV_EXCP_INT_MASK     0x7fffffff

/* satp */
#define SATP_MODE       0xf000000000000000ULL
#define SATP_ASID       0x0ffff00000000000ULL
#define SATP_PPN        0x00000fffffffffffULL
#define VM_1_10_MBARE   0
#define VM_1_10_SV39    8
#define VM_1_10_SV48    9

/* Page table entries */
#define PTE_V   0x001
#define PTE_R   0x002
#define PTE_W   0x004
#define PTE_X   0x008
#define PTE_U   0x010
#define PTE_G   0x020
#define PTE_A   0x040
#define PTE_D   0x080
#define PTE_PPN_SHIFT   10
#define PTE_PPN_MASK    0x003ffffffffffc00ULL
/* Bits 63:54 (N, PBMT, reserved): we implement none of their extensions. */
#define PTE_RESERVED    0xffc0000000000000ULL

/* PMP configuration bits, and what pmpaddr holds (bits 55:2) */
#define PMP_R       0x01
#define PMP_W       0x02
#define PMP_X       0x04
#define PMP_A       0x18
#define PMP_L       0x80
#define PMP_CFG_MASK    (PMP_L | PMP_A | PMP_X | PMP_W | PMP_R)
#define PMP_ADDR_MASK   ((1ULL << 54) - 1)

/* menvcfg / senvcfg: the only field we implement */
#define ENVCFG_FIOM     0x1

#endif /* TARGET_RISCV_CPU_BITS_H */
