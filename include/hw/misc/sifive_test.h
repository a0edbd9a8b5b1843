/*
 * SiFive test finisher: the register a guest writes to power off, reset
 * or fail the machine.
 *
 *   (code << 16) | 0x3333    exit with status code (FAIL)
 *   0x5555                   power off, exit status 0 (PASS)
 *   0x7777                   reset
 *
 * 16- and 32-bit writes at offset 0; reads return 0.  Stateless, so it
 * needs no reset handler.
 */
#ifndef HW_MISC_SIFIVE_TEST_H
#define HW_MISC_SIFIVE_TEST_H

#include "exec/memory.h"

#define SIFIVE_TEST_SIZE    0x1000

enum {
    FINISHER_FAIL = 0x3333,
    FINISHER_PASS = 0x5555,
    FINISHER_RESET = 0x7777,
};

/* Create the finisher at base in sysmem.  BQL held. */
void sifive_test_create(MemoryRegion *sysmem, hwaddr base);

#endif /* HW_MISC_SIFIVE_TEST_H */
