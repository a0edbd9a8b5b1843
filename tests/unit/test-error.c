/*
 * Error objects and error reporting.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/error-report.h"

static bool fails(int x, Error **errp)
{
    if (x < 0) {
        error_setg(errp, "negative value %d", x);
        return false;
    }
    return true;
}

static void test_set_propagate(void)
{
    Error *err = NULL, *local = NULL;

    g_assert_true(fails(1, &err));
    g_assert_null(err);
    g_assert_false(fails(-3, &local));
    g_assert_cmpstr(error_get_pretty(local), ==, "negative value -3");
    g_assert_cmpint(error_get_class(local), ==, ERROR_CLASS_GENERIC_ERROR);
    error_propagate(&err, local);
    g_assert_cmpstr(error_get_pretty(err), ==, "negative value -3");

    /* The first error wins; the second is freed. */
    local = NULL;
    fails(-4, &local);
    error_propagate(&err, local);
    g_assert_cmpstr(error_get_pretty(err), ==, "negative value -3");

    error_prepend(&err, "option %s: ", "-m");
    g_assert_cmpstr(error_get_pretty(err), ==, "option -m: negative value -3");
    error_free_or_abort(&err);
    g_assert_null(err);

    /* NULL means "don't care". */
    g_assert_false(fails(-1, NULL));
}

static void test_errno_and_class(void)
{
    Error *err = NULL;

    error_setg_errno(&err, ENOENT, "cannot open '%s'", "x.img");
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "cannot open 'x.img': No such file or directory");
    error_free(err);
    err = NULL;
    error_set(&err, ERROR_CLASS_COMMAND_NOT_FOUND, "no such command");
    g_assert_cmpstr(error_class_name(error_get_class(err)), ==,
                    "CommandNotFound");
    error_free(err);
}

static void collect(void *opaque, const char *msg)
{
    g_string_append(opaque, msg);
}

static void test_report_location(void)
{
    GString *out = g_string_new(NULL);
    char *argv[] = { (char *)"prog", (char *)"-m", (char *)"foo", NULL };
    Error *err = NULL;

    error_set_progname("/usr/bin/prog");
    error_printf_set_sink(collect, out);
    loc_set_cmdline(argv, 1, 2);
    error_report("bad size");
    loc_set_none();
    warn_report("careful");
    fails(-1, &err);
    error_append_hint(&err, "try a positive one\n");
    error_report_err(err);
    error_printf_set_sink(NULL, NULL);

    g_assert_cmpstr(out->str, ==,
                    "-m foo: bad size\n"
                    "warning: careful\n"
                    "negative value -1\n"
                    "try a positive one\n");
    g_string_free(out, true);
}

static void test_fatal_exits(void)
{
    if (g_test_subprocess()) {
        error_set_progname("grace");
        fails(-7, &error_fatal);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("grace: negative value -7\n");
}

static void test_abort_aborts(void)
{
    if (g_test_subprocess()) {
        fails(-8, &error_abort);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*Unexpected error in fails()*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/error/set-propagate", test_set_propagate);
    g_test_add_func("/error/errno-and-class", test_errno_and_class);
    g_test_add_func("/error/report-location", test_report_location);
    g_test_add_func("/error/fatal-exits", test_fatal_exits);
    g_test_add_func("/error/abort-aborts", test_abort_aborts);
    return g_test_run();
}
