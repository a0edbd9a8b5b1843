/*
 * Memory backends: creating them from option strings and from the
 * arguments object-add takes, the errors for bad input, claiming by a
 * device and deleting, and that each backend really is a RAM block that
 * comes and goes with it.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "sysemu/hostmem.h"
#include "ramlist-test.h"
#include <sys/mman.h>

static void test_create_and_delete(void)
{
    HostMemoryBackend *b;
    RAMBlock *block;
    unsigned before = ramlist_test_count();
    size_t page = qemu_real_host_page_size();
    g_autofree unsigned char *vec = g_malloc(64);
    g_autofree char *path = NULL;

    g_assert_true(object_add_from_str("memory-backend-ram,id=m0,size=2G",
                                      &error_abort));
    b = host_memory_backend_find("m0");
    g_assert_nonnull(b);
    g_assert_cmpuint(b->size, ==, 2 * GiB);
    g_assert_false(b->share);
    path = host_memory_backend_path(b);
    g_assert_cmpstr(path, ==, "/objects/m0");

    /* A RAM block of its own, named by its QOM path, private memory. */
    block = ramlist_test_find("/objects/m0");
    g_assert_nonnull(block);
    g_assert_true(block == b->mr.ram_block);
    g_assert_cmpuint(block->used_length, ==, 2 * GiB);
    g_assert_cmpuint(block->flags & RAM_SHARED, ==, 0);
    g_assert_cmpuint(ramlist_test_count(), ==, before + 1);
    /* Allocated lazily: 2 GiB, none of it resident until written. */
    g_assert_cmpint(mincore(block->host, 64 * page, vec), ==, 0);
    for (int i = 0; i < 64; i++) {
        g_assert_cmpuint(vec[i] & 1, ==, 0);
    }
    block->host[0] = 1;

    g_assert_true(host_memory_backend_next(NULL) == b);
    g_assert_null(host_memory_backend_next(b));

    g_assert_true(object_del("m0", &error_abort));
    g_assert_null(host_memory_backend_find("m0"));
    g_assert_null(ramlist_test_find("/objects/m0"));
    g_assert_cmpuint(ramlist_test_count(), ==, before);
}

static void test_share(void)
{
    HostMemoryBackend *b = host_memory_backend_create(
        TYPE_MEMORY_BACKEND_RAM, "shared0", true, 1 * MiB, true,
        &error_abort);

    g_assert_true(b->share);
    g_assert_cmpuint(b->mr.ram_block->flags & RAM_SHARED, ==, RAM_SHARED);
    g_assert_true(object_add_from_str("memory-backend-ram,id=s1,size=4096,"
                                      "share=off", &error_abort));
    g_assert_false(host_memory_backend_find("s1")->share);
    g_assert_true(object_add_from_str("memory-backend-ram,id=s2,size=4096,"
                                      "share=on", &error_abort));
    g_assert_true(host_memory_backend_find("s2")->share);
    g_assert_true(object_del("shared0", &error_abort));
    g_assert_true(object_del("s1", &error_abort));
    g_assert_true(object_del("s2", &error_abort));
}

/* optstr must be refused with a message containing expect. */
static void check_refused(const char *optstr, const char *expect)
{
    Error *err = NULL;
    unsigned before = ramlist_test_count();

    g_assert_false(object_add_from_str(optstr, &err));
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), expect)) {
        g_test_message("'%s': got '%s', expected '%s'", optstr,
                       error_get_pretty(err), expect);
        g_test_fail();
    }
    error_free(err);
    /* Nothing was left behind. */
    g_assert_cmpuint(ramlist_test_count(), ==, before);
}

static void test_bad_input(void)
{
    Error *err = NULL;

    check_refused("memory-backend-ram,size=1M", "'id' is missing");
    check_refused("memory-backend-ram,id=1abc,size=1M", "identifier");
    check_refused("memory-backend-ram,id=a/b,size=1M", "identifier");
    check_refused("memory-backend-ram,id=m", "'size' is missing");
    check_refused("memory-backend-ram,id=m,size=0", "more than 0");
    check_refused("memory-backend-ram,id=m,size=lots", "expects a size");
    check_refused("memory-backend-ram,id=m,size=-1M", "expects a size");
    check_refused("memory-backend-ram,id=m,size=1M,share=maybe", "share");
    check_refused("memory-backend-ram,id=m,size=1M,prealloc=on",
                  "Invalid parameter 'prealloc'");
    check_refused("memory-backend-file,id=m,size=1M,mem-path=/tmp",
                  "invalid object type 'memory-backend-file'");
    check_refused("id=m,size=1M", "'qom-type' is missing");
    check_refused("", "'qom-type' is missing");
    /* More than the host can map. */
    check_refused("memory-backend-ram,id=m,size=4000000T", "cannot allocate");

    /* A duplicate id, and the original is untouched. */
    g_assert_true(object_add_from_str("memory-backend-ram,id=dup,size=1M",
                                      &error_abort));
    check_refused("memory-backend-ram,id=dup,size=2M", "already exists");
    g_assert_cmpuint(host_memory_backend_find("dup")->size, ==, 1 * MiB);
    g_assert_true(object_del("dup", &error_abort));

    g_assert_false(object_del("dup", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "object 'dup' not found");
    error_free(err);
}

static void test_claim(void)
{
    HostMemoryBackend *b = host_memory_backend_create(
        TYPE_MEMORY_BACKEND_RAM, "claimed", true, 1 * MiB, false,
        &error_abort);
    Error *err = NULL;

    g_assert_true(host_memory_backend_claim(b, "vm0", &error_abort));
    g_assert_false(host_memory_backend_claim(b, "vm1", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "in use by device 'vm0'"));
    error_free(err);
    err = NULL;

    /* Deleting a backend in use names the device, and keeps it. */
    g_assert_false(object_del("claimed", &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "object 'claimed' is in use "
                    "by device 'vm0' and cannot be deleted");
    error_free(err);
    g_assert_true(host_memory_backend_find("claimed") == b);

    host_memory_backend_release(b);
    g_assert_true(host_memory_backend_claim(b, "vm1", &error_abort));
    host_memory_backend_release(b);
    g_assert_true(object_del("claimed", &error_abort));
}

/* Many backends at once, deleted out of creation order, then cycles. */
static void test_many(void)
{
    unsigned before = ramlist_test_count();
    int cycles = g_test_quick() ? 200 : 2000;

    for (int i = 0; i < 16; i++) {
        g_autofree char *opts = g_strdup_printf(
            "memory-backend-ram,id=b%d,size=%dM", i, i + 1);

        g_assert_true(object_add_from_str(opts, &error_abort));
    }
    g_assert_cmpuint(ramlist_test_count(), ==, before + 16);
    for (int i = 0; i < 16; i += 2) {
        g_autofree char *id = g_strdup_printf("b%d", i);

        g_assert_true(object_del(id, &error_abort));
    }
    for (HostMemoryBackend *b = host_memory_backend_next(NULL); b;
         b = host_memory_backend_next(b)) {
        /* The odd ones remain, in creation order. */
        g_assert_cmpuint(b->size % (2 * MiB), ==, 0);
    }
    for (int i = 1; i < 16; i += 2) {
        g_autofree char *id = g_strdup_printf("b%d", i);

        g_assert_true(object_del(id, &error_abort));
    }
    g_assert_null(host_memory_backend_next(NULL));

    for (int i = 0; i < cycles; i++) {
        HostMemoryBackend *b;

        g_assert_true(object_add_from_str("memory-backend-ram,id=cyc,"
                                          "size=64M", &error_abort));
        b = host_memory_backend_find("cyc");
        /* Touch it, as a guest would, so the memory is really there. */
        memset(memory_region_get_ram_ptr(&b->mr), i, 4096);
        g_assert_true(object_del("cyc", &error_abort));
    }
    g_assert_cmpuint(ramlist_test_count(), ==, before);
}

int main(int argc, char **argv)
{
    static MemoryRegion ram;

    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();
    /* The machine's own RAM, there all along (and the list set up). */
    memory_region_init_ram(&ram, NULL, "ram", 1 * MiB, &error_abort);
    g_test_add_func("/hostmem/create-and-delete", test_create_and_delete);
    g_test_add_func("/hostmem/share", test_share);
    g_test_add_func("/hostmem/bad-input", test_bad_input);
    g_test_add_func("/hostmem/claim", test_claim);
    g_test_add_func("/hostmem/many", test_many);
    return g_test_run();
}
