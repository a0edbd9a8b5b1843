/*
 * The image loader: ELF and raw images into guest memory, and every way a
 * user's file can be wrong.
 */
#include "qemu/osdep.h"
#include <elf.h>
#include "hw/loader.h"
#include "exec/memory.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (1 * MiB)

static MemoryRegion ram;
static char *tmpdir;

static char *write_file(const char *name, const void *data, size_t len)
{
    char *path = g_build_filename(tmpdir, name, NULL);

    g_assert_true(g_file_set_contents(path, data, len, NULL));
    return path;
}

/* An ELF64 RISC-V executable with one PT_LOAD of filesz bytes (memsz
 * bytes in memory) at paddr, entry at paddr + 4. */
static GByteArray *make_elf(uint16_t machine, uint64_t paddr, size_t filesz,
                            size_t memsz)
{
    GByteArray *b = g_byte_array_new();
    Elf64_Ehdr eh = {
        .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64,
                     ELFDATA2LSB, EV_CURRENT },
        .e_type = ET_EXEC,
        .e_machine = machine,
        .e_version = EV_CURRENT,
        .e_entry = paddr + 4,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = 1,
    };
    Elf64_Phdr ph = {
        .p_type = PT_LOAD,
        .p_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr),
        .p_vaddr = paddr,
        .p_paddr = paddr,
        .p_filesz = filesz,
        .p_memsz = memsz,
        .p_flags = PF_R | PF_X,
    };

    g_byte_array_append(b, (uint8_t *)&eh, sizeof(eh));
    g_byte_array_append(b, (uint8_t *)&ph, sizeof(ph));
    for (size_t i = 0; i < filesz; i++) {
        uint8_t byte = i + 1;

        g_byte_array_append(b, &byte, 1);
    }
    return b;
}

/* Load path as an ELF through the public API; NULL error on success. */
static Error *try_elf(const char *path, LoadedImage *img)
{
    g_autofree uint8_t *data = NULL;
    Error *err = NULL;
    size_t len;

    data = load_file("kernel", path, &len, &err);
    if (!data) {
        return err;
    }
    g_assert_true(load_is_elf(data, len));
    load_elf("kernel", path, data, len, EM_RISCV, RAM_BASE, RAM_SIZE, img,
             &err);
    return err;
}

static void assert_error(Error *err, const char *needle)
{
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), needle)) {
        g_test_message("error: %s", error_get_pretty(err));
    }
    g_assert_nonnull(strstr(error_get_pretty(err), needle));
    error_free(err);
}

static void test_elf_ok(void)
{
    g_autoptr(GByteArray) b = make_elf(EM_RISCV, RAM_BASE + 0x1000, 64, 256);
    g_autofree char *path = write_file("ok.elf", b->data, b->len);
    LoadedImage img;
    uint8_t buf[256];

    /* Dirty the bss first: the loader must zero it. */
    memset(buf, 0xaa, sizeof(buf));
    cpu_physical_memory_write(RAM_BASE + 0x1000, buf, sizeof(buf));
    g_assert_null(try_elf(path, &img));
    g_assert_cmphex(img.entry, ==, RAM_BASE + 0x1004);
    g_assert_cmphex(img.low, ==, RAM_BASE + 0x1000);
    g_assert_cmphex(img.high, ==, RAM_BASE + 0x1100);
    cpu_physical_memory_read(RAM_BASE + 0x1000, buf, sizeof(buf));
    for (int i = 0; i < 64; i++) {
        g_assert_cmpint(buf[i], ==, (uint8_t)(i + 1));
    }
    for (int i = 64; i < 256; i++) {
        g_assert_cmpint(buf[i], ==, 0);
    }
}

static void test_elf_bad(void)
{
    g_autoptr(GByteArray) good = make_elf(EM_RISCV, RAM_BASE, 64, 64);
    g_autoptr(GByteArray) x86 = make_elf(EM_X86_64, RAM_BASE, 64, 64);
    g_autoptr(GByteArray) outside = make_elf(EM_RISCV, RAM_BASE + RAM_SIZE
                                             - 16, 64, 64);
    g_autoptr(GByteArray) below = make_elf(EM_RISCV, 0x1000, 64, 64);
    g_autofree char *trunc_hdr = write_file("t1.elf", good->data, 20);
    g_autofree char *trunc_seg = write_file("t2.elf", good->data,
                                            good->len - 10);
    g_autofree char *foreign = write_file("x86.elf", x86->data, x86->len);
    g_autofree char *big = write_file("big.elf", outside->data, outside->len);
    g_autofree char *low = write_file("low.elf", below->data, below->len);
    LoadedImage img;

    assert_error(try_elf(trunc_hdr, &img), "truncated");
    assert_error(try_elf(trunc_seg, &img), "truncated");
    assert_error(try_elf(foreign, &img), "another architecture");
    assert_error(try_elf(big, &img), "does not fit");
    assert_error(try_elf(low, &img), "does not fit");
}

static void test_files(void)
{
    g_autofree char *empty = write_file("empty", "", 0);
    g_autofree char *missing = g_build_filename(tmpdir, "missing", NULL);
    Error *err = NULL;
    size_t len;

    g_assert_null(load_file("initrd", missing, &len, &err));
    assert_error(err, "No such file or directory");
    err = NULL;
    g_assert_null(load_file("initrd", empty, &len, &err));
    assert_error(err, "is empty");
    err = NULL;
    g_assert_null(load_file("initrd", tmpdir, &len, &err));
    assert_error(err, "not a regular file");
}

static void test_raw(void)
{
    uint8_t data[4096], back[4096];
    LoadedImage img;
    Error *err = NULL;

    for (int i = 0; i < sizeof(data); i++) {
        data[i] = i * 7;
    }
    g_assert_true(load_raw("bios", "raw", data, sizeof(data),
                           RAM_BASE + 0x2000, RAM_BASE + RAM_SIZE, &img,
                           &error_abort));
    g_assert_cmphex(img.entry, ==, RAM_BASE + 0x2000);
    g_assert_cmphex(img.high, ==, RAM_BASE + 0x3000);
    cpu_physical_memory_read(RAM_BASE + 0x2000, back, sizeof(back));
    g_assert_cmpmem(back, sizeof(back), data, sizeof(data));

    /* One byte too many for the space left. */
    g_assert_false(load_raw("bios", "raw", data, sizeof(data),
                            RAM_BASE + RAM_SIZE - sizeof(data) + 1,
                            RAM_BASE + RAM_SIZE, &img, &err));
    assert_error(err, "does not fit");
}

static void remove_tmpdir(void)
{
    GDir *d = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(tmpdir, name, NULL);

        unlink(path);
    }
    g_dir_close(d);
    rmdir(tmpdir);
    g_free(tmpdir);
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    tmpdir = g_dir_make_tmp("test-loader-XXXXXX", NULL);
    memory_region_init_ram(&ram, NULL, "ram", RAM_SIZE, &error_abort);
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);

    g_test_add_func("/loader/elf-ok", test_elf_ok);
    g_test_add_func("/loader/elf-bad", test_elf_bad);
    g_test_add_func("/loader/files", test_files);
    g_test_add_func("/loader/raw", test_raw);
    ret = g_test_run();

    memory_region_del_subregion(get_system_memory(), &ram);
    memory_region_finalize(&ram);
    remove_tmpdir();
    return ret;
}
