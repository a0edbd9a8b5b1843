/*
 * Raw-file BlockBackends and -drive: reads and writes against a temporary
 * image, bounds, read-only images, names, device attachment, and the
 * option strings -drive accepts and rejects.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "sysemu/block-backend.h"
#include "sysemu/blockdev.h"

#define IMAGE_SIZE  (64 * 1024)

static char *image_path;

static char *make_image(size_t size)
{
    g_autoptr(GError) err = NULL;
    g_autofree uint8_t *buf = g_malloc(size);
    char *path;
    int fd = g_file_open_tmp("grace-block-XXXXXX.img", &path, &err);

    g_assert_no_error(err);
    for (size_t i = 0; i < size; i++) {
        buf[i] = i * 13 + (i >> 8);
    }
    g_assert_cmpint(qemu_write_full(fd, buf, size), ==, size);
    close(fd);
    return path;
}

static void file_read(off_t off, void *buf, size_t len)
{
    int fd = open(image_path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, buf, len, off), ==, len);
    close(fd);
}

static void test_read_write(void)
{
    BlockBackend *blk = blk_new_open(image_path, false, &error_abort);
    uint8_t buf[3000], back[3000], file[3000];

    g_assert_cmpint(blk_getlength(blk), ==, IMAGE_SIZE);
    g_assert_false(blk_is_read_only(blk));
    g_assert_cmpstr(blk_filename(blk), ==, image_path);

    g_assert_cmpint(blk_pread(blk, 1000, sizeof(buf), buf, 0), ==, 0);
    file_read(1000, file, sizeof(file));
    g_assert_cmpmem(buf, sizeof(buf), file, sizeof(file));

    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = 0xff - i;
    }
    g_assert_cmpint(blk_pwrite(blk, IMAGE_SIZE - sizeof(buf), sizeof(buf),
                               buf, 0), ==, 0);
    g_assert_cmpint(blk_flush(blk), ==, 0);
    file_read(IMAGE_SIZE - sizeof(buf), file, sizeof(file));
    g_assert_cmpmem(buf, sizeof(buf), file, sizeof(file));
    g_assert_cmpint(blk_pread(blk, IMAGE_SIZE - sizeof(back), sizeof(back),
                              back, 0), ==, 0);
    g_assert_cmpmem(back, sizeof(back), buf, sizeof(buf));
    blk_unref(blk);
}

static void test_bounds(void)
{
    BlockBackend *blk = blk_new_open(image_path, false, &error_abort);
    uint8_t buf[16] = { 0 };

    /* Past the end, straddling it, negative: -EIO, nothing written. */
    g_assert_cmpint(blk_pread(blk, IMAGE_SIZE, 1, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, IMAGE_SIZE - 8, 16, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pwrite(blk, IMAGE_SIZE - 8, 16, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pwrite(blk, -1, 1, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_pread(blk, INT64_MAX, 16, buf, 0), ==, -EIO);
    g_assert_cmpint(blk_getlength(blk), ==, IMAGE_SIZE);
    /* Empty transfers at the very end are fine. */
    g_assert_cmpint(blk_pread(blk, IMAGE_SIZE, 0, buf, 0), ==, 0);
    blk_unref(blk);
}

static void test_read_only(void)
{
    BlockBackend *blk = blk_new_open(image_path, true, &error_abort);
    uint8_t buf[64], file[64];

    g_assert_true(blk_is_read_only(blk));
    file_read(0, file, sizeof(file));
    memset(buf, 0, sizeof(buf));
    g_assert_cmpint(blk_pwrite(blk, 0, sizeof(buf), buf, 0), ==, -EACCES);
    g_assert_cmpint(blk_pread(blk, 0, sizeof(buf), buf, 0), ==, 0);
    g_assert_cmpmem(buf, sizeof(buf), file, sizeof(file));
    g_assert_cmpint(blk_flush(blk), ==, 0);
    blk_unref(blk);
}

static void test_open_errors(void)
{
    Error *err = NULL;
    g_autofree char *dir = g_dir_make_tmp("grace-block-XXXXXX", NULL);
    g_autofree char *missing = g_build_filename(dir, "nope.img", NULL);

    g_assert_null(blk_new_open(missing, false, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "Could not open"));
    g_assert_nonnull(strstr(error_get_pretty(err), "No such file"));
    g_assert_nonnull(strstr(error_get_pretty(err), missing));
    error_free(err);
    err = NULL;

    g_assert_null(blk_new_open(dir, true, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "not a regular file"));
    error_free(err);
    g_assert_cmpint(rmdir(dir), ==, 0);
}

static void test_names_and_attach(void)
{
    BlockBackend *a = blk_new_open(image_path, true, &error_abort);
    BlockBackend *b = blk_new_open(image_path, true, &error_abort);
    Error *err = NULL;
    int dev1, dev2;

    g_assert_cmpstr(blk_name(a), ==, "");
    g_assert_true(monitor_add_blk(a, "disk-a", &error_abort));
    g_assert_cmpstr(blk_name(a), ==, "disk-a");
    g_assert_false(monitor_add_blk(b, "disk-a", &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "Duplicate ID"));
    error_free(err);
    g_assert_true(blk_by_name("disk-a") == a);
    g_assert_null(blk_by_name("disk-b"));

    /* One device per backend; the device keeps it alive. */
    g_assert_cmpint(blk_attach_dev(a, &dev1), ==, 0);
    g_assert_cmpint(blk_attach_dev(a, &dev2), ==, -EBUSY);
    g_assert_true(blk_get_attached_dev(a) == &dev1);
    blk_unref(a);
    g_assert_true(blk_by_name("disk-a") == a);
    blk_detach_dev(a, &dev1);   /* the last reference: gone */
    g_assert_null(blk_by_name("disk-a"));
    blk_unref(b);
}

static void test_drive_new(void)
{
    g_autofree char *opts = g_strdup_printf("file=%s,format=raw,if=none,"
                                            "id=drv0", image_path);
    g_autofree char *ro_opts = g_strdup_printf("if=none,id=drv1,file=%s,"
                                               "readonly=on,format=raw",
                                               image_path);
    BlockBackend *blk = drive_new(opts, &error_abort);

    g_assert_nonnull(blk);
    g_assert_true(blk_by_name("drv0") == blk);
    g_assert_false(blk_is_read_only(blk));
    g_assert_cmpint(blk_getlength(blk), ==, IMAGE_SIZE);

    blk = drive_new(ro_opts, &error_abort);
    g_assert_true(blk_by_name("drv1") == blk);
    g_assert_true(blk_is_read_only(blk));
}

static void test_drive_new_no_format(void)
{
    g_autofree char *opts = g_strdup_printf("file=%s,if=none,id=drv2",
                                            image_path);

    /* Raw is assumed, with a warning on stderr. */
    if (g_test_subprocess()) {
        g_assert_nonnull(drive_new(opts, &error_abort));
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*format was not specified*raw*");
}

static void expect_drive_error(const char *optstr, const char *msg)
{
    Error *err = NULL;

    g_assert_null(drive_new(optstr, &err));
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), msg)) {
        g_test_message("'%s': got '%s'", optstr, error_get_pretty(err));
        g_assert_not_reached();
    }
    error_free(err);
}

static void test_drive_errors(void)
{
    g_autofree char *dup = g_strdup_printf("file=%s,format=raw,if=none,"
                                           "id=dup", image_path);
    g_autofree char *qcow = g_strdup_printf("file=%s,format=qcow2,if=none,"
                                            "id=q", image_path);
    g_autofree char *virtio = g_strdup_printf("file=%s,if=virtio,id=v",
                                              image_path);
    g_autofree char *noif = g_strdup_printf("file=%s,id=v", image_path);
    g_autofree char *noid = g_strdup_printf("file=%s,if=none", image_path);
    g_autofree char *badro = g_strdup_printf("file=%s,if=none,id=r,"
                                             "readonly=maybe", image_path);
    g_autofree char *unknown = g_strdup_printf("file=%s,if=none,id=u,"
                                               "cache=none", image_path);

    g_assert_nonnull(drive_new(dup, &error_abort));
    expect_drive_error(dup, "Duplicate ID 'dup'");
    expect_drive_error("file=/nonexistent/x.img,format=raw,if=none,id=m",
                       "Could not open '/nonexistent/x.img': No such file "
                       "or directory");
    expect_drive_error(qcow, "Unsupported image format 'qcow2'");
    expect_drive_error(virtio, "Unsupported interface if=virtio");
    expect_drive_error(noif, "only if=none is supported");
    expect_drive_error(noid, "id= is required");
    expect_drive_error("format=raw,if=none,id=f", "file= is required");
    expect_drive_error(badro, "readonly");
    expect_drive_error(unknown, "Invalid parameter 'cache'");
    /* None of the failures left a name behind. */
    g_assert_null(blk_by_name("m"));
    g_assert_null(blk_by_name("q"));
    g_assert_null(blk_by_name("r"));
    g_assert_null(blk_by_name("u"));
}

int main(int argc, char **argv)
{
    int ret;

    g_test_init(&argc, &argv, NULL);
    image_path = make_image(IMAGE_SIZE);

    g_test_add_func("/block/read-write", test_read_write);
    g_test_add_func("/block/bounds", test_bounds);
    g_test_add_func("/block/read-only", test_read_only);
    g_test_add_func("/block/open-errors", test_open_errors);
    g_test_add_func("/block/names-and-attach", test_names_and_attach);
    g_test_add_func("/block/drive-new", test_drive_new);
    g_test_add_func("/block/drive-new-no-format", test_drive_new_no_format);
    g_test_add_func("/block/drive-errors", test_drive_errors);
    ret = g_test_run();
    unlink(image_path);
    return ret;
}
