/*
 * Loading files into guest memory: firmware, kernels, initrds.
 *
 * Every function takes `what` ("kernel", "bios", "initrd"...) for its
 * messages, and fails with a message that names the file and the problem:
 * missing or unreadable, empty, truncated, not a suitable image, or too
 * large for the memory it must go to.  Loads write through
 * address_space_write_rom, so they may fill ROM as well as RAM.
 */
#ifndef HW_LOADER_H
#define HW_LOADER_H

#include "exec/hwaddr.h"

typedef struct Error Error;

/* Where a loaded image landed. */
typedef struct LoadedImage {
    hwaddr low;             /* first byte written */
    hwaddr high;            /* one past the last byte (ELF: incl. bss) */
    uint64_t entry;         /* ELF entry, or low for raw images */
} LoadedImage;

/* Read all of filename; NULL with *errp if missing, unreadable or empty. */
uint8_t *load_file(const char *what, const char *filename, size_t *size,
                   Error **errp);

/* Does data start with the ELF magic? */
bool load_is_elf(const uint8_t *data, size_t size);

/*
 * Load an ELF64 little-endian executable for machine (EM_RISCV...) by its
 * program headers' physical addresses.  Every PT_LOAD segment must lie in
 * [base, base + size).
 */
bool load_elf(const char *what, const char *filename, const uint8_t *data,
              size_t len, uint16_t machine, hwaddr base, uint64_t size,
              LoadedImage *img, Error **errp);

/* Copy a raw image to addr; it must end at or before limit. */
bool load_raw(const char *what, const char *filename, const uint8_t *data,
              size_t len, hwaddr addr, hwaddr limit, LoadedImage *img,
              Error **errp);

#endif /* HW_LOADER_H */
