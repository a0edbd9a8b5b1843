/*
 * SiFive test finisher: which run-state request each command makes, the
 * accepted access sizes, and what is ignored.
 *
 * The run-state requests are test doubles that record the last call.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/misc/sifive_test.h"
#include "sysemu/runstate.h"
#include "hw-test.h"

#define TEST_BASE   0x100000

typedef enum Request {
    REQ_NONE,
    REQ_SHUTDOWN,
    REQ_SHUTDOWN_CODE,
    REQ_RESET,
} Request;

static Request last_request;
static ShutdownCause last_cause;
static int last_code;
static int requests;

void qemu_system_shutdown_request(ShutdownCause reason)
{
    last_request = REQ_SHUTDOWN;
    last_cause = reason;
    requests++;
}

void qemu_system_shutdown_request_with_code(ShutdownCause reason,
                                            int exit_code)
{
    last_request = REQ_SHUTDOWN_CODE;
    last_cause = reason;
    last_code = exit_code;
    requests++;
}

void qemu_system_reset_request(ShutdownCause reason)
{
    last_request = REQ_RESET;
    last_cause = reason;
    requests++;
}

static void clear_requests(void)
{
    last_request = REQ_NONE;
    last_cause = SHUTDOWN_CAUSE_NONE;
    last_code = -1;
    requests = 0;
}

static void test_pass(void)
{
    clear_requests();
    hwt_wr32(TEST_BASE, FINISHER_PASS);
    g_assert_cmpint(requests, ==, 1);
    g_assert_cmpint(last_request, ==, REQ_SHUTDOWN);
    g_assert_cmpint(last_cause, ==, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);

    /* OpenSBI uses a 16-bit store. */
    clear_requests();
    hwt_write(TEST_BASE, FINISHER_PASS, 2);
    g_assert_cmpint(requests, ==, 1);
    g_assert_cmpint(last_request, ==, REQ_SHUTDOWN);
}

static void test_reset(void)
{
    clear_requests();
    hwt_write(TEST_BASE, FINISHER_RESET, 2);
    g_assert_cmpint(requests, ==, 1);
    g_assert_cmpint(last_request, ==, REQ_RESET);
    g_assert_cmpint(last_cause, ==, SHUTDOWN_CAUSE_GUEST_RESET);
}

static void test_fail_code(void)
{
    clear_requests();
    hwt_wr32(TEST_BASE, (3 << 16) | FINISHER_FAIL);
    g_assert_cmpint(requests, ==, 1);
    g_assert_cmpint(last_request, ==, REQ_SHUTDOWN_CODE);
    g_assert_cmpint(last_cause, ==, SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
    g_assert_cmpint(last_code, ==, 3);

    clear_requests();
    hwt_wr32(TEST_BASE, 0xffff0000 | FINISHER_FAIL);
    g_assert_cmpint(last_code, ==, 0xffff);
}

static void test_ignored(void)
{
    clear_requests();
    /* Unknown commands, other offsets and bad sizes do nothing. */
    hwt_wr32(TEST_BASE, 0x1234);
    hwt_wr32(TEST_BASE, 0x5556);
    hwt_wr32(TEST_BASE + 4, FINISHER_PASS);
    hwt_write(TEST_BASE + 2, FINISHER_PASS, 2);
    g_assert_cmpuint(hwt_try_write(TEST_BASE, FINISHER_PASS, 1), !=,
                     MEMTX_OK);
    g_assert_cmpuint(hwt_try_write(TEST_BASE, FINISHER_PASS, 8), !=,
                     MEMTX_OK);
    g_assert_cmpint(requests, ==, 0);
}

static void test_reads(void)
{
    clear_requests();
    hwt_wr32(TEST_BASE, 0x1234);
    g_assert_cmphex(hwt_rd32(TEST_BASE), ==, 0);
    g_assert_cmphex(hwt_read(TEST_BASE, 2), ==, 0);
    g_assert_cmphex(hwt_rd32(TEST_BASE + 0xffc), ==, 0);
    g_assert_cmpint(requests, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    sifive_test_create(get_system_memory(), TEST_BASE);

    g_test_add_func("/sifive-test/pass", test_pass);
    g_test_add_func("/sifive-test/reset", test_reset);
    g_test_add_func("/sifive-test/fail-code", test_fail_code);
    g_test_add_func("/sifive-test/ignored", test_ignored);
    g_test_add_func("/sifive-test/reads", test_reads);
    return g_test_run();
}
