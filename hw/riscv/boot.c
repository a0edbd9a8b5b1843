/*
 * Booting a RISC-V machine (include/hw/riscv/boot.h).
 *
 * The layout follows what OpenSBI and Linux expect on virt (see
 * docs/system/riscv-virt.rst): firmware at the start of RAM, the kernel
 * at the next 2 MiB boundary, the initrd well above the kernel, the DTB
 * at the top of the first 3 GiB of RAM, and a reset vector in the MROM
 * that hands all of this to the firmware through a0/a1/a2.
 */
#include "qemu/osdep.h"
#include <elf.h>
#include "hw/riscv/boot.h"
#include "hw/loader.h"
#include "exec/memory.h"
#include "qapi/error.h"
#include "qemu/cutils.h"

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

/* The fw_dynamic handover struct's magic ("OSBI") and version. */
#define FW_DYNAMIC_INFO_MAGIC   0x4942534fULL
#define FW_DYNAMIC_INFO_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_S  1

/* A Linux/RISC-V Image header (Documentation/riscv/boot-image-header). */
#define RISCV_IMAGE_MAGIC_OFF   0x30
#define RISCV_IMAGE_MAGIC       "RISCV\0\0\0"
#define RISCV_IMAGE_SIZE_OFF    0x10

char *riscv_find_bios(const char *bios_name, Error **errp)
{
    if (bios_name && !strcmp(bios_name, "none")) {
        return NULL;
    }
    if (!bios_name || !strcmp(bios_name, "default")) {
        if (access(RISCV_DEFAULT_BIOS, R_OK) != 0) {
            error_setg(errp, "cannot find the default firmware '%s' (%s); "
                       "install Debian's opensbi package, or pass -bios "
                       "FILE or -bios none", RISCV_DEFAULT_BIOS,
                       strerror(errno));
            return NULL;
        }
        return g_strdup(RISCV_DEFAULT_BIOS);
    }
    return g_strdup(bios_name);
}

/* Refuse compressed files early, with a hint, rather than run them. */
static bool check_not_compressed(const char *what, const char *filename,
                                 const uint8_t *data, size_t len,
                                 Error **errp)
{
    if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        error_setg(errp, "%s '%s' is gzip-compressed; decompress it first "
                   "(Linux: use arch/riscv/boot/Image, not Image.gz)",
                   what, filename);
        return false;
    }
    return true;
}

/*
 * Load an ELF by its addresses, or anything else as a raw image at addr.
 * Raw images need no header: firmware and U-Boot binaries have none.
 */
static bool load_elf_or_raw(const char *what, const char *filename,
                            hwaddr addr, hwaddr ram_base, uint64_t ram_size,
                            LoadedImage *img, Error **errp)
{
    g_autofree uint8_t *data = NULL;
    size_t len;

    data = load_file(what, filename, &len, errp);
    if (!data || !check_not_compressed(what, filename, data, len, errp)) {
        return false;
    }
    if (load_is_elf(data, len)) {
        return load_elf(what, filename, data, len, EM_RISCV, ram_base,
                        ram_size, img, errp);
    }
    if (len > RISCV_IMAGE_MAGIC_OFF + 8 &&
        !memcmp(data + RISCV_IMAGE_MAGIC_OFF, RISCV_IMAGE_MAGIC, 8)) {
        uint64_t image_size;
        g_autofree char *need = NULL;

        /* A Linux Image: its header says how much RAM it will use (text,
         * data and bss), which must fit as well as the file itself. */
        memcpy(&image_size, data + RISCV_IMAGE_SIZE_OFF, 8);
        image_size = GUINT64_FROM_LE(image_size);
        if (image_size > len &&
            (addr < ram_base || image_size > ram_base + ram_size - addr)) {
            need = size_to_str(image_size);
            error_setg(errp, "%s '%s' does not fit in memory: its header "
                       "asks for %s at 0x%" HWADDR_PRIx ", past the end of "
                       "RAM at 0x%" HWADDR_PRIx, what, filename, need, addr,
                       ram_base + ram_size);
            return false;
        }
    }
    return load_raw(what, filename, data, len, addr, ram_base + ram_size,
                    img, errp);
}

bool riscv_load_firmware(const char *filename, hwaddr base, hwaddr ram_base,
                         uint64_t ram_size, hwaddr *end, Error **errp)
{
    LoadedImage img;

    if (!load_elf_or_raw("bios", filename, base, ram_base, ram_size, &img,
                         errp)) {
        return false;
    }
    *end = img.high;
    return true;
}

hwaddr riscv_calc_kernel_start_addr(hwaddr firmware_end, hwaddr ram_base)
{
    return QEMU_ALIGN_UP(MAX(firmware_end, ram_base), 2 * MiB);
}

bool riscv_load_kernel(const char *filename, hwaddr kernel_start,
                       hwaddr ram_base, uint64_t ram_size, uint64_t *entry,
                       hwaddr *end, Error **errp)
{
    LoadedImage img;

    if (!load_elf_or_raw("kernel", filename, kernel_start, ram_base,
                         ram_size, &img, errp)) {
        return false;
    }
    *entry = img.entry;
    *end = img.high;
    return true;
}

bool riscv_load_initrd(const char *filename, uint64_t kernel_entry,
                       hwaddr kernel_end, hwaddr ram_base, uint64_t ram_size,
                       hwaddr *start, hwaddr *end, Error **errp)
{
    g_autofree uint8_t *data = NULL;
    LoadedImage img;
    hwaddr addr;
    size_t len;

    data = load_file("initrd", filename, &len, errp);
    if (!data) {
        return false;
    }
    addr = kernel_entry + MIN(ram_size / 2, 128 * MiB);
    /* A big kernel would be overwritten; go past it. */
    addr = MAX(addr, QEMU_ALIGN_UP(kernel_end, 2 * MiB));
    if (!load_raw("initrd", filename, data, len, addr, ram_base + ram_size,
                  &img, errp)) {
        return false;
    }
    *start = img.low;
    *end = img.high;
    return true;
}

hwaddr riscv_compute_fdt_addr(hwaddr ram_base, uint64_t ram_size,
                              uint32_t fdt_size)
{
    hwaddr top = MIN(ram_base + ram_size, 3 * GiB);

    return QEMU_ALIGN_DOWN(top - fdt_size, 2 * MiB);
}

void riscv_setup_rom_reset_vec(hwaddr start_addr, hwaddr rom_base,
                               hwaddr rom_size, uint64_t next_addr,
                               hwaddr fdt_addr)
{
    /*
     * 0x00: auipc t0, 0          t0 = rom_base
     * 0x04: addi  a2, t0, 0x28   a2 = &fw_dynamic_info
     * 0x08: csrr  a0, mhartid
     * 0x0c: ld    a1, 0x20(t0)   a1 = fdt_addr
     * 0x10: ld    t0, 0x18(t0)   t0 = start_addr
     * 0x14: jr    t0
     * 0x18: start_addr (64 bits)
     * 0x20: fdt_addr (64 bits)
     * 0x28: fw_dynamic_info: magic, version, next_addr, next_mode,
     *       options, boot_hart (64 bits each)
     */
    uint32_t insns[6] = {
        0x00000297, 0x02828613, 0xf1402573, 0x0202b583, 0x0182b283,
        0x00028067,
    };
    uint64_t words[8] = {
        start_addr, fdt_addr,
        FW_DYNAMIC_INFO_MAGIC, FW_DYNAMIC_INFO_VERSION, next_addr,
        FW_DYNAMIC_NEXT_MODE_S, 0, 0,
    };
    uint8_t rom[sizeof(insns) + sizeof(words)];

    QEMU_BUILD_BUG_ON(sizeof(insns) != 0x18);
    assert(sizeof(rom) <= rom_size);
    for (int i = 0; i < ARRAY_SIZE(insns); i++) {
        insns[i] = GUINT32_TO_LE(insns[i]);
    }
    for (int i = 0; i < ARRAY_SIZE(words); i++) {
        words[i] = GUINT64_TO_LE(words[i]);
    }
    memcpy(rom, insns, sizeof(insns));
    memcpy(rom + sizeof(insns), words, sizeof(words));
    address_space_write_rom(&address_space_memory, rom_base,
                            MEMTXATTRS_UNSPECIFIED, rom, sizeof(rom));
}
