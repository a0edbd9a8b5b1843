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

#define DIRTY_CLIENTS_ALL     ((1 << DIRTY_MEMORY_NUM) - 1)
#define DIRTY_CLIENTS_NOCODE  (DIRTY_CLIENTS_ALL & ~(1 << DIRTY_MEMORY_CODE))

#endif /* EXEC_RAM_ADDR_H */
