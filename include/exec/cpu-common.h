/*
 * Types and helpers shared by the CPU code and the memory code.
 */
#ifndef EXEC_CPU_COMMON_H
#define EXEC_CPU_COMMON_H

#include "exec/hwaddr.h"
#include "qemu/bitops.h"

typedef struct Error Error;

/*
 * ram_addr_t: an offset in the space of all RAM blocks laid end to end.
 * Each RAMBlock owns [offset, offset + max_length); dirty tracking is
 * indexed by it.
 */
typedef uint64_t ram_addr_t;
#define RAM_ADDR_MAX UINT64_MAX
#define RAM_ADDR_FMT "%" PRIx64

/* Guest pages: Grace's target (RISC-V) uses 4 KiB pages. */
#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1 << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK ((hwaddr)-1 << TARGET_PAGE_BITS)
#define TARGET_PAGE_ALIGN(addr) ROUND_UP((addr), TARGET_PAGE_SIZE)

/* Copy to/from guest physical memory (the system address space). */
void cpu_physical_memory_read(hwaddr addr, void *buf, hwaddr len);
void cpu_physical_memory_write(hwaddr addr, const void *buf, hwaddr len);

#endif /* EXEC_CPU_COMMON_H */
