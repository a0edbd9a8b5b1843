/*
 * RCU_QSBR_ONLY: a file whose read-side sections all run on online QSBR
 * threads, where rcu_read_lock() and rcu_read_unlock() compile to nothing
 * (outside debug builds).
 *
 * The stress test's readers run only here, online, and check every
 * element they reach for the poison that the updater writes once a grace
 * period has passed; the updater waits with synchronize_rcu.  If an online
 * thread's section could span a grace period, a reader would see the
 * poison.  The misuse tests check that debug builds catch a section on a
 * thread that is not online.
 */
#define RCU_QSBR_ONLY
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

#define ELEM_LIVE       0x600d
#define ELEM_POISON     0xdead
#define N_READERS       2
#define STRESS_MS       300

typedef struct Elem {
    int value;
} Elem;

/* Written by the updater with rcu_assign_pointer; read by the readers. */
static Elem *current;

/* Set by the main thread to end the run, read by everyone. */
static int stop;

/* Each reader's totals, written by it before it exits (joined). */
typedef struct Reader {
    QemuThread thread;
    long reads;
    long poisoned;
} Reader;

static void *reader_thread(void *opaque)
{
    Reader *r = opaque;

    rcu_register_thread();
    rcu_thread_online();
    while (!qatomic_read(&stop)) {
        for (int i = 0; i < 256; i++) {
            Elem *e;

            rcu_read_lock();
            e = qatomic_rcu_read(&current);
            /* Hold the element a while, nested, so that updates overlap. */
            rcu_read_lock();
            for (int j = 0; j < 8; j++) {
                if (qatomic_read(&e->value) != ELEM_LIVE) {
                    r->poisoned++;
                }
            }
            rcu_read_unlock();
            rcu_read_unlock();
            r->reads++;
        }
        rcu_quiescent_state();
        if ((r->reads & 0xffff) == 0) {
            /* Blocking is done offline, as in a vCPU thread. */
            rcu_thread_offline();
            rcu_thread_online();
        }
    }
    rcu_thread_offline();
    rcu_unregister_thread();
    return NULL;
}

static void *updater_thread(void *opaque)
{
    long *updates = opaque;

    while (!qatomic_read(&stop)) {
        Elem *e = g_new(Elem, 1);
        Elem *old = current;

        e->value = ELEM_LIVE;
        rcu_assign_pointer(current, e);
        synchronize_rcu();
        /* No reader can hold old now: poison it, then free it. */
        qatomic_set(&old->value, ELEM_POISON);
        g_free(old);
        (*updates)++;
    }
    return NULL;
}

static void test_stress(void)
{
    Reader readers[N_READERS] = { };
    QemuThread updater;
    long updates = 0, reads = 0, poisoned = 0;

    current = g_new(Elem, 1);
    current->value = ELEM_LIVE;
    qatomic_set(&stop, 0);
    for (int i = 0; i < N_READERS; i++) {
        qemu_thread_create(&readers[i].thread, "qsbr-reader", reader_thread,
                           &readers[i], QEMU_THREAD_JOINABLE);
    }
    qemu_thread_create(&updater, "qsbr-updater", updater_thread, &updates,
                       QEMU_THREAD_JOINABLE);
    g_usleep(STRESS_MS * 1000);
    qatomic_set(&stop, 1);
    qemu_thread_join(&updater);
    for (int i = 0; i < N_READERS; i++) {
        qemu_thread_join(&readers[i].thread);
        reads += readers[i].reads;
        poisoned += readers[i].poisoned;
    }
    g_free(current);
    if (g_test_verbose()) {
        g_printerr("%ld reads, %ld updates\n", reads, updates);
    }
    g_assert_cmpint(poisoned, ==, 0);
    g_assert_cmpint(updates, >, 0);
    g_assert_cmpint(reads, >, 0);
}

/* Nesting and rcu_read_ongoing on an online thread (main is registered). */
static void test_nesting(void)
{
    rcu_thread_online();
    rcu_read_lock();
    rcu_read_lock();
    g_assert_true(rcu_read_ongoing());
    rcu_read_unlock();
    rcu_read_unlock();
    rcu_quiescent_state();
    rcu_thread_offline();
    g_assert_false(rcu_read_ongoing());
}

/* A section on a thread that is registered (main is) but not online. */
static void misuse_offline_lock(void)
{
    rcu_read_lock();
}

static void misuse_offline_unlock(void)
{
    rcu_read_unlock();
}

static void test_misuse(gconstpointer opaque)
{
    void (*fn)(void) = opaque;

#ifndef CONFIG_DEBUG
    g_test_skip("checked in debug builds (configure --enable-debug)");
    return;
#endif
    if (g_test_subprocess()) {
        fn();
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr("*called by a thread that is not online, in "
                              "code built with RCU_QSBR_ONLY*");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rcu/qsbr-only/nesting", test_nesting);
    g_test_add_func("/rcu/qsbr-only/stress", test_stress);
    g_test_add_data_func("/rcu/qsbr-only/misuse/offline-lock",
                         misuse_offline_lock, test_misuse);
    g_test_add_data_func("/rcu/qsbr-only/misuse/offline-unlock",
                         misuse_offline_unlock, test_misuse);
    return g_test_run();
}
