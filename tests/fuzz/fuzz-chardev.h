/*
 * What the libFuzzer targets that speak to a front end through a chardev
 * share (fuzz-qmp.c, fuzz-gdbstub.c).
 */
#ifndef TESTS_FUZZ_FUZZ_CHARDEV_H
#define TESTS_FUZZ_FUZZ_CHARDEV_H

#include "chardev/char.h"

/*
 * Deliver size bytes to chr's front end as a client would, chunk bytes
 * at a time (0: as much as it takes at once).  The front end must always
 * have room: none of ours ever refuses input.
 */
static inline void fuzz_chardev_feed(Chardev *chr, const uint8_t *data,
                                     size_t size, size_t chunk)
{
    while (size > 0) {
        size_t n = chunk ? MIN(chunk, size) : size;
        int room = qemu_chr_be_can_write(chr);

        assert(room > 0);
        n = MIN(n, (size_t)room);
        qemu_chr_be_write(chr, data, n);
        data += n;
        size -= n;
    }
}

#endif /* TESTS_FUZZ_FUZZ_CHARDEV_H */
