/*
 * Number and size parsers, with the bad inputs a user can type.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qapi/error.h"

static void test_strtoi64(void)
{
    const char *end;
    int64_t v = 42;

    g_assert_cmpint(qemu_strtoi64("-123", NULL, 10, &v), ==, 0);
    g_assert_cmpint(v, ==, -123);
    g_assert_cmpint(qemu_strtoi64("0x10", NULL, 0, &v), ==, 0);
    g_assert_cmpint(v, ==, 16);
    g_assert_cmpint(qemu_strtoi64("  7", NULL, 10, &v), ==, 0);
    g_assert_cmpint(v, ==, 7);

    /* Bad input leaves the result alone. */
    v = 42;
    g_assert_cmpint(qemu_strtoi64("", NULL, 10, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtoi64("abc", NULL, 10, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtoi64("12abc", NULL, 10, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtoi64(NULL, NULL, 10, &v), ==, -EINVAL);
    g_assert_cmpint(v, ==, 42);

    /* With an end pointer, trailing text is the caller's business. */
    g_assert_cmpint(qemu_strtoi64("12abc", &end, 10, &v), ==, 0);
    g_assert_cmpint(v, ==, 12);
    g_assert_cmpstr(end, ==, "abc");
    g_assert_cmpint(qemu_strtoi64("xyz", &end, 10, &v), ==, -EINVAL);
    g_assert_cmpstr(end, ==, "xyz");

    g_assert_cmpint(qemu_strtoi64("9223372036854775808", NULL, 10, &v), ==,
                    -ERANGE);
    g_assert_cmpint(v, ==, INT64_MAX);
    g_assert_cmpint(qemu_strtoi64("-9223372036854775809", NULL, 10, &v), ==,
                    -ERANGE);
    g_assert_cmpint(v, ==, INT64_MIN);
}

static void test_strtou64(void)
{
    uint64_t v = 42;

    g_assert_cmpint(qemu_strtou64("18446744073709551615", NULL, 10, &v), ==, 0);
    g_assert_cmpuint(v, ==, UINT64_MAX);
    g_assert_cmpint(qemu_strtou64("18446744073709551616", NULL, 10, &v), ==,
                    -ERANGE);
    v = 42;
    /* strtoull would silently wrap "-1" to 2^64 - 1. */
    g_assert_cmpint(qemu_strtou64("-1", NULL, 10, &v), ==, -EINVAL);
    g_assert_cmpint(qemu_strtou64(" -1", NULL, 10, &v), ==, -EINVAL);
    g_assert_cmpuint(v, ==, 42);
}

static void test_strtoi_narrow(void)
{
    int i = 0;
    unsigned int u = 0;
    long l = 0;
    unsigned long ul = 0;

    g_assert_cmpint(qemu_strtoi("2147483647", NULL, 10, &i), ==, 0);
    g_assert_cmpint(i, ==, INT_MAX);
    g_assert_cmpint(qemu_strtoi("2147483648", NULL, 10, &i), ==, -ERANGE);
    g_assert_cmpint(i, ==, INT_MAX);
    g_assert_cmpint(qemu_strtoi("-2147483649", NULL, 10, &i), ==, -ERANGE);
    g_assert_cmpint(i, ==, INT_MIN);
    g_assert_cmpint(qemu_strtoui("4294967296", NULL, 10, &u), ==, -ERANGE);
    g_assert_cmpint(qemu_strtoui("12", NULL, 10, &u), ==, 0);
    g_assert_cmpuint(u, ==, 12);
    g_assert_cmpint(qemu_strtol("-5", NULL, 10, &l), ==, 0);
    g_assert_cmpint(l, ==, -5);
    g_assert_cmpint(qemu_strtoul("ff", NULL, 16, &ul), ==, 0);
    g_assert_cmpuint(ul, ==, 255);
}

typedef struct SizeCase {
    const char *str;
    int ret;
    uint64_t val;
} SizeCase;

static void test_strtosz(void)
{
    static const SizeCase cases[] = {
        { "0", 0, 0 },
        { "512", 0, 512 },
        { "1B", 0, 1 },
        { "4k", 0, 4096 },
        { "256M", 0, 256 * MiB },
        { "1G", 0, GiB },
        { "1.5G", 0, GiB + 512 * MiB },
        { "2T", 0, 2 * TiB },
        { "0x100", 0, 256 },
        { "0x10M", 0, 16 * MiB },
        { "010", 0, 10 },           /* not octal */
        { "16E", -ERANGE, 0 },
        { "17179869184G", -ERANGE, 0 },
        { "", -EINVAL, 0 },
        { "M", -EINVAL, 0 },
        { "foo", -EINVAL, 0 },
        { "-1", -EINVAL, 0 },
        { "1X", -EINVAL, 0 },
        { "1MB", -EINVAL, 0 },      /* trailing junk */
        { "1.5", -EINVAL, 0 },      /* fractional bytes */
        { "0x1.5M", -EINVAL, 0 },   /* hex fraction */
        { "1.M", -EINVAL, 0 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t v = 0xdead;
        int ret = qemu_strtosz(cases[i].str, NULL, &v);

        if (ret != cases[i].ret) {
            g_test_message("'%s': got %d", cases[i].str, ret);
        }
        g_assert_cmpint(ret, ==, cases[i].ret);
        g_assert_cmpuint(v, ==, ret == 0 ? cases[i].val : 0xdead);
    }
}

static void test_strtosz_units(void)
{
    const char *end;
    uint64_t v;

    g_assert_cmpint(qemu_strtosz_MiB("256", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, 256 * MiB);
    g_assert_cmpint(qemu_strtosz_MiB("1G", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, GiB);
    g_assert_cmpint(qemu_strtosz_metric("1k", NULL, &v), ==, 0);
    g_assert_cmpuint(v, ==, 1000);
    g_assert_cmpint(qemu_strtosz("8M,foo", &end, &v), ==, 0);
    g_assert_cmpuint(v, ==, 8 * MiB);
    g_assert_cmpstr(end, ==, ",foo");
}

static void test_size_to_str(void)
{
    static const struct { uint64_t v; const char *s; } cases[] = {
        { 0, "0 B" }, { 512, "512 B" }, { 256 * MiB, "256 MiB" },
        { GiB + 512 * MiB, "1.5 GiB" }, { 4 * KiB, "4 KiB" },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        g_autofree char *s = size_to_str(cases[i].v);

        g_assert_cmpstr(s, ==, cases[i].s);
    }
}

static void test_misc(void)
{
    char buf[4];
    const char *rest;
    bool b = false;
    Error *err = NULL;

    pstrcpy(buf, sizeof(buf), "abcdef");
    g_assert_cmpstr(buf, ==, "abc");
    g_assert_true(strstart("virtio-blk", "virtio-", &rest));
    g_assert_cmpstr(rest, ==, "blk");
    g_assert_false(strstart("virtio", "virtio-", &rest));

    g_assert_true(qapi_bool_parse("x", "on", &b, &err));
    g_assert_true(b);
    g_assert_true(qapi_bool_parse("x", "no", &b, &err));
    g_assert_false(b);
    g_assert_false(qapi_bool_parse("x", "maybe", &b, &err));
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(error_get_pretty(err), "'x'"));
    error_free(err);
}

static void test_id_wellformed(void)
{
    g_assert_true(id_wellformed("vmem0"));
    g_assert_true(id_wellformed("a-b.c_d"));
    g_assert_true(id_wellformed("Z"));
    g_assert_false(id_wellformed(""));
    g_assert_false(id_wellformed("0abc"));
    g_assert_false(id_wellformed("-abc"));
    g_assert_false(id_wellformed("a b"));
    g_assert_false(id_wellformed("a/b"));
    g_assert_false(id_wellformed("a,b"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cutils/strtoi64", test_strtoi64);
    g_test_add_func("/cutils/strtou64", test_strtou64);
    g_test_add_func("/cutils/strtoi-narrow", test_strtoi_narrow);
    g_test_add_func("/cutils/strtosz", test_strtosz);
    g_test_add_func("/cutils/strtosz-units", test_strtosz_units);
    g_test_add_func("/cutils/size-to-str", test_size_to_str);
    g_test_add_func("/cutils/misc", test_misc);
    g_test_add_func("/cutils/id-wellformed", test_id_wellformed);
    return g_test_run();
}
