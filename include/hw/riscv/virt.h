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

/*
 * Memory devices (virtio-mem) go in an area that starts at the first
 * VIRT_DEVICE_MEMORY_ALIGN boundary above RAM.  Each device's range is
 * aligned to VIRT_MEMORY_BLOCK_SIZE, Linux's memory block size on
 * riscv64 (its SECTION_SIZE_BITS is 27): the unit in which Linux adds and
 * removes memory, so an unaligned range would lose memory at its ends.
 */
#define VIRT_DEVICE_MEMORY_ALIGN    (1 * GiB)
#define VIRT_DEVICE_MEMORY_SIZE     (32 * GiB)
#define VIRT_MEMORY_BLOCK_SIZE      (128 * MiB)

typedef struct MemMapEntry {
    hwaddr base;
    hwaddr size;
} MemMapEntry;

extern const MemMapEntry virt_memmap[];
extern const MachineClass virt_machine;

#endif /* HW_RISCV_VIRT_H */
