/*
 * Looking at ram_list from unit tests: which blocks exist right now.
 * Under ram_list.mutex, as an updater would, so that the answer is
 * settled (no block half-added) when the caller gets it.
 */
#ifndef TESTS_UNIT_RAMLIST_TEST_H
#define TESTS_UNIT_RAMLIST_TEST_H

#include "exec/ramblock.h"

/* The block in ram_list named name, or NULL. */
static inline RAMBlock *ramlist_test_find(const char *name)
{
    RAMBlock *block, *found = NULL;

    qemu_mutex_lock_ramlist();
    QLIST_FOREACH(block, &ram_list.blocks, next) {
        if (!strcmp(block->idstr, name)) {
            found = block;
        }
    }
    qemu_mutex_unlock_ramlist();
    return found;
}

static inline unsigned ramlist_test_count(void)
{
    RAMBlock *block;
    unsigned n = 0;

    qemu_mutex_lock_ramlist();
    QLIST_FOREACH(block, &ram_list.blocks, next) {
        n++;
    }
    qemu_mutex_unlock_ramlist();
    return n;
}

#endif
