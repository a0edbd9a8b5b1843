/*
 * Loading files into guest memory (include/hw/loader.h).
 *
 * Files are untrusted input: every header field is checked against the
 * file's size before use, and every destination against the memory it
 * must fit in, before anything is written.
 */
#include "qemu/osdep.h"
#include <elf.h>
#include "hw/loader.h"
#include "exec/memory.h"
#include "qemu/cutils.h"
#include "qapi/error.h"

/* Images beyond this are a mistake (a disk image passed as -kernel...). */
#define LOAD_FILE_MAX   (4 * GiB)

uint8_t *load_file(const char *what, const char *filename, size_t *size,
                   Error **errp)
{
    g_autofree uint8_t *data = NULL;
    struct stat st;
    size_t done = 0;
    int fd;

    fd = open(filename, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "could not load %s '%s'", what,
                         filename);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "could not load %s '%s'", what,
                         filename);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        error_setg(errp, "could not load %s '%s': not a regular file", what,
                   filename);
        goto fail;
    }
    if (st.st_size == 0) {
        error_setg(errp, "%s '%s' is empty", what, filename);
        goto fail;
    }
    if (st.st_size > LOAD_FILE_MAX) {
        g_autofree char *sz = size_to_str(st.st_size);

        error_setg(errp, "%s '%s' is too large (%s)", what, filename, sz);
        goto fail;
    }
    data = g_malloc(st.st_size);
    while (done < st.st_size) {
        ssize_t n = read(fd, data + done, st.st_size - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error_setg_errno(errp, n < 0 ? errno : EIO,
                             "could not read %s '%s'", what, filename);
            goto fail;
        }
        done += n;
    }
    close(fd);
    *size = done;
    return g_steal_pointer(&data);

fail:
    close(fd);
    return NULL;
}

bool load_is_elf(const uint8_t *data, size_t size)
{
    return size >= SELFMAG && !memcmp(data, ELFMAG, SELFMAG);
}

static bool range_fits(hwaddr start, uint64_t len, hwaddr base, uint64_t size)
{
    return start >= base && len <= size && start - base <= size - len;
}

static void fits_error(const char *what, const char *filename, hwaddr start,
                       uint64_t len, hwaddr base, uint64_t size, Error **errp)
{
    g_autofree char *need = size_to_str(len);
    g_autofree char *have = size_to_str(size);

    error_setg(errp, "%s '%s' does not fit in memory: it needs %s at 0x%"
               HWADDR_PRIx ", but the available RAM is %s at 0x%" HWADDR_PRIx,
               what, filename, need, start, have, base);
}

bool load_elf(const char *what, const char *filename, const uint8_t *data,
              size_t len, uint16_t machine, hwaddr base, uint64_t size,
              LoadedImage *img, Error **errp)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
    hwaddr low = HWADDR_MAX, high = 0;
    unsigned nload = 0;

    if (len < sizeof(Elf64_Ehdr)) {
        error_setg(errp, "%s '%s' is truncated: %zu bytes is less than an "
                   "ELF header", what, filename, len);
        return false;
    }
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
        eh->e_ident[EI_DATA] != ELFDATA2LSB) {
        error_setg(errp, "%s '%s' is not a 64-bit little-endian ELF file",
                   what, filename);
        return false;
    }
    if (eh->e_machine != machine) {
        error_setg(errp, "%s '%s' is an ELF file for another architecture "
                   "(e_machine %u, expected %u)", what, filename,
                   eh->e_machine, machine);
        return false;
    }
    if (eh->e_type != ET_EXEC) {
        error_setg(errp, "%s '%s' is not an ELF executable (e_type %u)",
                   what, filename, eh->e_type);
        return false;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
        eh->e_phoff > len ||
        (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum) {
        error_setg(errp, "%s '%s' is truncated or corrupt: bad program "
                   "header table", what, filename);
        return false;
    }

    /* Check every segment before writing any. */
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < eh->e_phnum; i++) {
            const Elf64_Phdr *ph =
                (const Elf64_Phdr *)(data + eh->e_phoff) + i;

            if (ph->p_type != PT_LOAD || ph->p_memsz == 0) {
                continue;
            }
            if (pass == 0) {
                if (ph->p_filesz > ph->p_memsz || ph->p_offset > len ||
                    ph->p_filesz > len - ph->p_offset) {
                    error_setg(errp, "%s '%s' is truncated: segment %u needs "
                               "file bytes 0x%" PRIx64 "-0x%" PRIx64
                               " of a %zu-byte file", what, filename, i,
                               (uint64_t)ph->p_offset,
                               (uint64_t)(ph->p_offset + ph->p_filesz), len);
                    return false;
                }
                if (!range_fits(ph->p_paddr, ph->p_memsz, base, size)) {
                    fits_error(what, filename, ph->p_paddr, ph->p_memsz,
                               base, size, errp);
                    return false;
                }
                low = MIN(low, ph->p_paddr);
                high = MAX(high, ph->p_paddr + ph->p_memsz);
                nload++;
                continue;
            }
            address_space_write_rom(&address_space_memory, ph->p_paddr,
                                    MEMTXATTRS_UNSPECIFIED,
                                    data + ph->p_offset, ph->p_filesz);
            if (ph->p_memsz > ph->p_filesz) {
                uint64_t bss = ph->p_memsz - ph->p_filesz;
                g_autofree uint8_t *zeros = g_malloc0(bss);

                address_space_write_rom(&address_space_memory,
                                        ph->p_paddr + ph->p_filesz,
                                        MEMTXATTRS_UNSPECIFIED, zeros, bss);
            }
        }
        if (pass == 0 && nload == 0) {
            error_setg(errp, "%s '%s' has no loadable segments", what,
                       filename);
            return false;
        }
    }
    img->low = low;
    img->high = high;
    img->entry = eh->e_entry;
    return true;
}

bool load_raw(const char *what, const char *filename, const uint8_t *data,
              size_t len, hwaddr addr, hwaddr limit, LoadedImage *img,
              Error **errp)
{
    if (addr > limit || len > limit - addr) {
        fits_error(what, filename, addr, len, addr,
                   addr > limit ? 0 : limit - addr, errp);
        return false;
    }
    address_space_write_rom(&address_space_memory, addr,
                            MEMTXATTRS_UNSPECIFIED, data, len);
    img->low = addr;
    img->high = addr + len;
    img->entry = addr;
    return true;
}
