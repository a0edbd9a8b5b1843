/*
 * The RISC-V "virt" board.
 */
#ifndef HW_RISCV_VIRT_H
#define HW_RISCV_VIRT_H

#include "exec/hwaddr.h"
#include "hw/boards.h"

/* The memory map: an enum-indexed table in virt.c. */
enum {
    VIRT_MROM,
    VIRT_TEST,
    VIRT_RTC,
    VIRT_CLINT,
    VIRT_PLIC,
    VIRT_UART0,
    VIRT_VIRTIO,
    VIRT_DRAM,
};

/* PLIC sources. */
enum {
    VIRTIO_IRQ = 1,             /* 1..8, one per virtio-mmio slot */
    VIRTIO_COUNT = 8,
    UART0_IRQ = 10,
    RTC_IRQ = 11,
    VIRT_IRQCHIP_NUM_SOURCES = 96,
};

#define VIRT_TIMEBASE_FREQ  10000000
#define VIRT_UART_CLOCK     3686400
#define VIRT_MAX_CPUS       64

typedef struct MemMapEntry {
    hwaddr base;
    hwaddr size;
} MemMapEntry;

extern const MemMapEntry virt_memmap[];
extern const MachineClass virt_machine;

#endif /* HW_RISCV_VIRT_H */
