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

/*
 * Dirty logging for migration (QEMU's "global dirty log").  While it is
 * on, a page whose DIRTY_MEMORY_MIGRATION bit is clear counts as clean:
 * the accelerator routes vCPU writes to it through its slow path, which
 * sets the bit again.  Writes that bypass the TLBs set every bit anyway.
 * docs/devel/migration.rst ("Dirty tracking") has the protocol.  Start
 * and stop from the migration thread; _active from any thread.
 */
void memory_global_dirty_log_start(void);
void memory_global_dirty_log_stop(void);
bool memory_global_dirty_log_active(void);

/*
 * Must a vCPU write to the page at addr take the slow path?  True if the
 * page holds translated code (DIRTY_MEMORY_CODE clear), or if dirty
 * logging is on and its DIRTY_MEMORY_MIGRATION bit is clear.
 */
bool cpu_physical_memory_is_clean(ram_addr_t addr);

/*
 * After migration clears DIRTY_MEMORY_MIGRATION bits, writes through the
 * vCPUs' TLBs to those pages must set them again: the accelerator
 * installs a hook that marks every write entry mapping [start, start +
 * length) so that it takes the slow path.  Called on the migration
 * thread, after the bits are clear (full barrier in between).
 */
typedef void DirtyLogClearHook(ram_addr_t start, ram_addr_t length);
void cpu_physical_memory_set_dirty_log_clear_hook(DirtyLogClearHook *hook);

/*
 * Take block's DIRTY_MEMORY_MIGRATION bits: OR them into dest (one bit
 * per page of the block), clear them, and (while dirty logging is on)
 * call the dirty-log-clear hook for the block.  Returns how many pages were newly set in dest.  Writes
 * that were in flight when the bits were taken may still land without
 * setting them; the caller waits for a grace period before it reads the
 * pages (docs/devel/migration.rst).  Called from RCU critical section.
 */
uint64_t cpu_physical_memory_sync_dirty_bitmap(RAMBlock *block,
                                               unsigned long *dest);

#define DIRTY_CLIENTS_ALL     ((1 << DIRTY_MEMORY_NUM) - 1)
#define DIRTY_CLIENTS_NOCODE  (DIRTY_CLIENTS_ALL & ~(1 << DIRTY_MEMORY_CODE))

#endif /* EXEC_RAM_ADDR_H */
