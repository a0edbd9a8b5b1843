/*
 * Option strings: implied keys, escaped commas, legacy booleans, errors.
 */
#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qapi/error.h"

static void test_basic(void)
{
    g_autoptr(QemuOpts) opts = NULL;
    uint64_t n;
    bool b;

    opts = qemu_opts_parse("virt,dumpdtb=out.dtb,n=0x10,flag",
                           "type", &error_abort);
    g_assert_cmpstr(qemu_opt_get(opts, "type"), ==, "virt");
    g_assert_cmpstr(qemu_opt_get(opts, "dumpdtb"), ==, "out.dtb");
    g_assert_null(qemu_opt_get(opts, "missing"));
    g_assert_true(qemu_opt_get_number(opts, "n", 0, &n, &error_abort));
    g_assert_cmpuint(n, ==, 16);
    g_assert_true(qemu_opt_get_bool(opts, "flag", false, &b, &error_abort));
    g_assert_true(b);
    g_assert_true(qemu_opt_get_bool(opts, "absent", true, &b, &error_abort));
    g_assert_true(b);
}

static void test_escapes_and_legacy(void)
{
    g_autoptr(QemuOpts) opts = NULL;
    bool b = true;

    opts = qemu_opts_parse("file=a,,b.img,server,nowait,id=x,id=y",
                           NULL, &error_abort);
    g_assert_cmpstr(qemu_opt_get(opts, "file"), ==, "a,b.img");
    g_assert_cmpstr(qemu_opt_get(opts, "server"), ==, "on");
    g_assert_true(qemu_opt_get_bool(opts, "wait", true, &b, &error_abort));
    g_assert_false(b);
    /* The last of a repeated key wins. */
    g_assert_cmpstr(qemu_opts_id(opts), ==, "y");
}

static void test_errors(void)
{
    g_autoptr(QemuOpts) opts = NULL;
    static const char *const known[] = { "file", "format", NULL };
    Error *err = NULL;
    uint64_t v;
    bool b;

    g_assert_null(qemu_opts_parse("=x", NULL, &err));
    g_assert_nonnull(err);
    error_free(err);
    err = NULL;

    opts = qemu_opts_parse("file=x,format=raw,bogus=1,size=12Q,on=maybe",
                           NULL, &error_abort);
    g_assert_false(qemu_opts_check_known(opts, known, &err));
    g_assert_cmpstr(error_get_pretty(err), ==, "Invalid parameter 'bogus'");
    error_free(err);
    err = NULL;
    g_assert_false(qemu_opt_get_size(opts, "size", 0, &v, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "'size'"));
    error_free(err);
    err = NULL;
    g_assert_false(qemu_opt_get_bool(opts, "on", false, &b, &err));
    error_free(err);
    err = NULL;
    g_assert_false(qemu_opt_get_number(opts, "file", 0, &v, &err));
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/option/basic", test_basic);
    g_test_add_func("/option/escapes-and-legacy", test_escapes_and_legacy);
    g_test_add_func("/option/errors", test_errors);
    return g_test_run();
}
