/*
 * SiFive PLIC (platform-level interrupt controller), as on the virt board:
 *
 *   +0x000000 + 4s               priority[s] (0..7; 0 never interrupts)
 *   +0x001000 + 4w               pending bits, read-only
 *   +0x002000 + 0x80c + 4w       enable bits of context c
 *   +0x200000 + 0x1000c          threshold of context c
 *   +0x200004 + 0x1000c          claim (read) / complete (write)
 *
 * Sources are numbered 1..num_sources (the device tree's riscv,ndev); ID 0
 * means "none".  Each source has a level-triggered gateway: while its
 * line is high and it is not being serviced, it is pending.  Claiming it
 * clears the pending bit and marks it in service; completing it ends the
 * service, and it pends again if its line is still high.  A context's
 * output is high while an enabled, pending source has a priority above
 * the context's threshold.
 *
 * Threads: all state is accessed with the BQL held (MMIO, and devices
 * driving their lines).
 */
#ifndef HW_INTC_SIFIVE_PLIC_H
#define HW_INTC_SIFIVE_PLIC_H

#include "exec/memory.h"
#include "hw/irq.h"

#define SIFIVE_PLIC_SIZE                0x600000
#define SIFIVE_PLIC_PRIORITY_BASE       0x0
#define SIFIVE_PLIC_PENDING_BASE        0x1000
#define SIFIVE_PLIC_ENABLE_BASE         0x2000
#define SIFIVE_PLIC_ENABLE_STRIDE       0x80
#define SIFIVE_PLIC_CONTEXT_BASE        0x200000
#define SIFIVE_PLIC_CONTEXT_STRIDE      0x1000
#define SIFIVE_PLIC_MAX_PRIORITY        7
#define SIFIVE_PLIC_MAX_SOURCES         1023
#define SIFIVE_PLIC_MAX_CONTEXTS        \
    ((SIFIVE_PLIC_SIZE - SIFIVE_PLIC_CONTEXT_BASE) / SIFIVE_PLIC_CONTEXT_STRIDE)

typedef struct SiFivePLICState {
    MemoryRegion mmio;
    uint32_t num_sources;       /* IDs 1..num_sources */
    uint32_t num_contexts;
    uint32_t bitfield_words;    /* 32-bit words covering IDs 0..num_sources */
    uint32_t *source_priority;  /* [num_sources + 1] */
    uint32_t *level;            /* bitmap: the input lines */
    uint32_t *pending;          /* bitmap */
    uint32_t *claimed;          /* bitmap: in service (claimed, not done) */
    uint32_t *enable;           /* [num_contexts * bitfield_words] */
    uint32_t *threshold;        /* [num_contexts] */
    int *context_level;         /* [num_contexts] last output driven */
    qemu_irq *context_irqs;     /* [num_contexts] */
    qemu_irq *source_irqs;      /* [num_sources + 1]; [0] unused */
} SiFivePLICState;

/*
 * Create a PLIC at base in sysmem.  Context c drives context_irqs[c]; on
 * the virt board context 2h is hart h's M mode (MEIP) and 2h + 1 its S
 * mode (SEIP).  Registers a reset handler.  BQL held.
 */
SiFivePLICState *sifive_plic_create(MemoryRegion *sysmem, hwaddr base,
                                    uint32_t num_sources,
                                    uint32_t num_contexts,
                                    qemu_irq *context_irqs);

/* The input line of source (1..num_sources), for a device's interrupt. */
qemu_irq sifive_plic_get_source(SiFivePLICState *s, int source);

#endif /* HW_INTC_SIFIVE_PLIC_H */
