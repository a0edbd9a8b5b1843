/*
 * The device memory area: where the board puts memory devices (today
 * virtio-mem), a container region above RAM that the board reserves and
 * devices take ranges of.
 *
 * On the virt board it starts at the first 1 GiB boundary above RAM, so
 * that every device range can be aligned to Linux's memory block size
 * (128 MiB on riscv64), and is 32 GiB long.  Nothing in it is described
 * in /memory of the device tree: a virtio-mem driver learns its device's
 * range from the device's config space.
 *
 * Threads: BQL (board creation, -device, reset).
 */
#ifndef HW_MEM_MEMORY_DEVICE_H
#define HW_MEM_MEMORY_DEVICE_H

#include "exec/memory.h"

/*
 * Create the area [base, base + size) in sysmem.  Devices placed
 * automatically are aligned to at least align (the guest's memory block
 * size).  Once, by the board.
 */
void machine_device_memory_init(MemoryRegion *sysmem, hwaddr base,
                                uint64_t size, uint64_t align);
/* The area's range; false if the board has none. */
bool device_memory_range(hwaddr *base, uint64_t *size);

/*
 * Map mr (a container or RAM region) into the area: at *addr if has_addr
 * (which must be aligned to align, inside the area and free), else at
 * the lowest free address aligned to both align and the area's own
 * alignment, returned in *addr.  False with *errp (naming what overlaps,
 * or saying there is no room).
 */
bool memory_device_plug(MemoryRegion *mr, uint64_t align, bool has_addr,
                        hwaddr *addr, Error **errp);
/* Take mr out of the area again. */
void memory_device_unplug(MemoryRegion *mr);

#endif /* HW_MEM_MEMORY_DEVICE_H */
