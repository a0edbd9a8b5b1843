/*
 * RISC-V ACLINT: the machine-level software interrupt device (MSWI) and
 * machine timer (MTIMER), laid out as SiFive's CLINT in one 64 KiB window:
 *
 *   +0x0000 + 4h       msip[h]       bit 0 drives hart h's MSIP
 *   +0x4000 + 8h       mtimecmp[h]   MTIP[h] = (mtime >= mtimecmp[h])
 *   +0xBFF8            mtime         shared by all harts
 *
 * 32- and 64-bit accesses.  mtime counts at timebase_freq Hz from
 * QEMU_CLOCK_VIRTUAL (ticks = virtual ns * freq / 1e9) plus an offset that
 * a guest write to mtime sets.  Everything resets to 0, so MTIP is pending
 * right after reset.
 *
 * Threads: MMIO and the per-hart timers run with the BQL held.
 * riscv_aclint_read_time is lock-free and may run on any thread.
 */
#ifndef HW_INTC_RISCV_ACLINT_H
#define HW_INTC_RISCV_ACLINT_H

#include "exec/memory.h"
#include "hw/irq.h"
#include "qemu/timer.h"

#define RISCV_ACLINT_SWI_SIZE           0x4000
#define RISCV_ACLINT_MTIMECMP_BASE      0x4000
#define RISCV_ACLINT_MTIME_OFFSET       0xBFF8
#define RISCV_ACLINT_DEFAULT_SIZE       0x10000
#define RISCV_ACLINT_MAX_HARTS          4095

typedef struct RISCVAclintState RISCVAclintState;

/* One hart's view of the timer. */
typedef struct RISCVAclintHart {
    RISCVAclintState *aclint;
    unsigned hartid;
    uint64_t mtimecmp;          /* BQL */
    bool msip;                  /* BQL */
    QEMUTimer timer;            /* fires when mtime reaches mtimecmp */
} RISCVAclintHart;

struct RISCVAclintState {
    MemoryRegion mmio;
    unsigned num_harts;
    uint32_t timebase_freq;
    /*
     * mtime - ticks(virtual clock).  Written with the BQL held (guest
     * writes to mtime, reset) by qatomic_set_u64; read without any lock by
     * riscv_aclint_read_time with qatomic_read_u64.  A reader racing with
     * a write sees the old or the new offset, never a torn one.
     */
    uint64_t time_delta;
    RISCVAclintHart *harts;
    qemu_irq *msip_irqs;        /* [num_harts], the harts' MSIP inputs */
    qemu_irq *mtip_irqs;        /* [num_harts], the harts' MTIP inputs */
};

/*
 * Create the device at base in sysmem for num_harts harts.  msip[h] and
 * mtip[h] are hart h's MSIP and MTIP inputs (the arrays are kept).
 * Registers a reset handler.  BQL held.
 */
RISCVAclintState *riscv_aclint_create(MemoryRegion *sysmem, hwaddr base,
                                      int num_harts, qemu_irq *msip,
                                      qemu_irq *mtip,
                                      uint32_t timebase_freq);

/*
 * The current mtime, for the time CSR.  Lock-free: any thread, BQL or
 * not (vCPUs call it without the BQL).
 */
uint64_t riscv_aclint_read_time(void *opaque);

#endif /* HW_INTC_RISCV_ACLINT_H */
