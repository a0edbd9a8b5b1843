/*
 * synchronize_rcu with the BQL held is a deadlock waiting to happen (a
 * vCPU in guest code may be waiting for the BQL and holds the grace
 * period up until it gets it): debug builds abort.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"

static void test_synchronize_rcu_with_bql(void)
{
#ifdef CONFIG_DEBUG
    if (g_test_subprocess()) {
        qemu_mutex_lock_iothread();
        synchronize_rcu();
        qemu_mutex_unlock_iothread();
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*synchronize_rcu called with the BQL held*");
#else
    g_test_skip("the check is in debug builds (--enable-debug)");
#endif
}

/* Without the BQL it is fine, and drain_call_rcu drops the BQL itself. */
static void test_without_bql(void)
{
    synchronize_rcu();
    qemu_mutex_lock_iothread();
    drain_call_rcu();
    g_assert_true(qemu_mutex_iothread_locked());
    qemu_mutex_unlock_iothread();
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rcu/bql/synchronize-rcu-aborts",
                    test_synchronize_rcu_with_bql);
    g_test_add_func("/rcu/bql/without-bql", test_without_bql);
    return g_test_run();
}
