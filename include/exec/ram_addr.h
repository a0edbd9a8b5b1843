/*
 * Dirty-memory tracking by ram_addr.
 *
 * Each RAMBlock has a bitmap per client (exec/ramblock.h).  The bits are
 * set and cleared with atomic operations from any thread: vCPUs writing
 * RAM set them, the owner of a client (the TB cache for CODE, migration)
 * tests and clears them.
 */
#ifndef EXEC_RAM_ADDR_H
#define EXEC_RAM_ADDR_H

#include "exec/ramblock.h"

bool cpu_physical_memory_get_dirty_flag(ram_addr_t addr, unsigned client);
void cpu_physical_memory_set_dirty_flag(ram_addr_t addr, unsigned client);
/* Set the bits of every client in mask for [start, start + length). */
void cpu_physical_memory_set_dirty_range(ram_addr_t start, ram_addr_t length,
                                         uint8_t mask);
/* Clear client's bits for the range; true if any was set. */
bool cpu_physical_memory_test_and_clear_dirty(ram_addr_t start,
                                              ram_addr_t length,
                                              unsigned client);

/*
 * Writes to RAM that do not come from a vCPU store (DMA, loaders, the
 * monitor) may hit pages holding translated code.  The accelerator
 * installs a hook, called for every such write to a range where some
 * page's DIRTY_MEMORY_CODE bit is clear; it invalidates the translations
 * and sets the bits.  Called in the writer's thread, without locks held.
 */
typedef void CodeWriteHook(ram_addr_t start, ram_addr_t length);
void cpu_physical_memory_set_code_write_hook(CodeWriteHook *hook);

/* Mark [start, start + length) written by a non-vCPU writer: sets every
 * client's bits, after invalidating translated code through the hook. */
void cpu_physical_memory_invalidate_and_set_dirty(ram_addr_t start,
                                                  ram_addr_t length);

#define DIRTY_CLIENTS_ALL     ((1 << DIRTY_MEMORY_NUM) - 1)
#define DIRTY_CLIENTS_NOCODE  (DIRTY_CLIENTS_ALL & ~(1 << DIRTY_MEMORY_CODE))

#endif /* EXEC_RAM_ADDR_H */
