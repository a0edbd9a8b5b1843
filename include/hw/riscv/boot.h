/*
 * Booting a RISC-V machine: firmware, kernel, initrd, the device tree's
 * place in RAM and the reset vector in the MROM.
 */
#ifndef HW_RISCV_BOOT_H
#define HW_RISCV_BOOT_H

#include "exec/hwaddr.h"

typedef struct Error Error;

/* Debian's OpenSBI, what "-bios default" loads on virt. */
#define RISCV_DEFAULT_BIOS \
    "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"

/*
 * Resolve -bios: NULL or "default" -> RISCV_DEFAULT_BIOS (an error that
 * says which package provides it if it is missing), "none" -> NULL with
 * no error, anything else -> the file name itself.
 */
char *riscv_find_bios(const char *bios_name, Error **errp);

/* Load firmware at base (ELF or raw); returns false with *errp.  Sets
 * *end to the first byte after it. */
bool riscv_load_firmware(const char *filename, hwaddr base, hwaddr ram_base,
                         uint64_t ram_size, hwaddr *end, Error **errp);

/*
 * Where the kernel goes: after the firmware, rounded up to 2 MiB (Linux
 * requires a 2 MiB-aligned load address); at the start of RAM without
 * firmware.
 */
hwaddr riscv_calc_kernel_start_addr(hwaddr firmware_end, hwaddr ram_base);

/*
 * Load -kernel: an ELF by its own addresses, otherwise a raw image (a
 * Linux Image, U-Boot...) at kernel_start.  Sets *entry and *end.
 */
bool riscv_load_kernel(const char *filename, hwaddr kernel_start,
                       hwaddr ram_base, uint64_t ram_size, uint64_t *entry,
                       hwaddr *end, Error **errp);

/*
 * Load -initrd at kernel_entry + min(ram_size / 2, 128 MiB), so that the
 * kernel can unpack itself without overwriting it.
 */
bool riscv_load_initrd(const char *filename, uint64_t kernel_entry,
                       hwaddr kernel_end, hwaddr ram_base, uint64_t ram_size,
                       hwaddr *start, hwaddr *end, Error **errp);

/* The DTB's address: 2 MiB-aligned, as high as possible below both the
 * end of RAM and 3 GiB. */
hwaddr riscv_compute_fdt_addr(hwaddr ram_base, uint64_t ram_size,
                              uint32_t fdt_size);

/*
 * Write the reset vector at rom_base: it sets a0 = mhartid, a1 = fdt_addr,
 * a2 = the fw_dynamic info struct (next_addr, next mode S, boot hart 0),
 * and jumps to start_addr.
 */
void riscv_setup_rom_reset_vec(hwaddr start_addr, hwaddr rom_base,
                               hwaddr rom_size, uint64_t next_addr,
                               hwaddr fdt_addr);

#endif /* HW_RISCV_BOOT_H */
