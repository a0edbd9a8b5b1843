/*
 * Memory barriers (include/qemu/atomic.h), checked with litmus tests run
 * many times on two threads that really execute at the same time.
 *
 * Store buffering: thread A does "x = 1; smp_mb(); r1 = y" while thread B
 * does "y = 1; smp_mb(); r2 = x".  Without the barriers even x86 lets both
 * loads pass the stores (r1 == r2 == 0); with them that outcome is
 * forbidden.  The test also runs the unfenced version and reports how often
 * it saw the forbidden outcome there, which shows that the harness does
 * make the two threads race.
 *
 * Message passing: "data = 1; smp_mb_release(); flag = 1" against
 * "if (flag) { smp_mb_acquire(); assert(data == 1) }".  x86 never reorders
 * this, but weakly ordered hosts do.
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/thread.h"
#include <sched.h>

/* Each shared variable on its own cache line, as in a real protocol. */
typedef struct Litmus {
    int x QEMU_ALIGNED(64);
    int y QEMU_ALIGNED(64);
    /* The two threads meet here before and after each round. */
    unsigned arrived QEMU_ALIGNED(64);
    int r2 QEMU_ALIGNED(64);
    long rounds;
    bool fenced;
} Litmus;

/*
 * Wait until both threads have arrived n times in all: a two-party barrier.
 * The fetch_add is a full barrier, so everything done before arriving is
 * visible to the other thread after it leaves.
 *
 * The thread that arrives last leaves first, about one cache-line transfer
 * ahead of the other, which is far longer than the window in which the two
 * sides of a litmus test can overlap.  So the last one waits a random few
 * dozen cycles (jitter), which makes a fair share of rounds overlap.
 */
static void meet(Litmus *l, unsigned n, GRand *rand)
{
    unsigned spins = 0;

    if (qatomic_fetch_inc(&l->arrived) + 1 == n) {
        int jitter = g_rand_int_range(rand, 0, 128);

        for (int i = 0; i < jitter; i++) {
            barrier();
        }
        return;
    }
    while (qatomic_read(&l->arrived) < n) {
        /* With two shared cores the other thread may not be running. */
        if (++spins % 1024 == 0) {
            sched_yield();
        }
    }
}

static void *sb_thread_b(void *opaque)
{
    Litmus *l = opaque;
    GRand *rand = g_rand_new_with_seed(2);

    for (long i = 0; i < l->rounds; i++) {
        meet(l, 4 * i + 2, rand);
        qatomic_set(&l->y, 1);
        if (l->fenced) {
            smp_mb();
        } else {
            barrier();
        }
        qatomic_set(&l->r2, qatomic_read(&l->x));
        meet(l, 4 * i + 4, rand);
    }
    g_rand_free(rand);
    return NULL;
}

/* Run the store-buffering litmus; return how often r1 == r2 == 0. */
static long run_store_buffering(long rounds, bool fenced)
{
    Litmus *l = g_new0(Litmus, 1);
    QemuThread thread;
    GRand *rand = g_rand_new_with_seed(1);
    long both_zero = 0;

    l->rounds = rounds;
    l->fenced = fenced;
    qemu_thread_create(&thread, "litmus-sb", sb_thread_b, l,
                       QEMU_THREAD_JOINABLE);
    for (long i = 0; i < rounds; i++) {
        int r1;

        qatomic_set(&l->x, 0);
        qatomic_set(&l->y, 0);
        meet(l, 4 * i + 2, rand);
        qatomic_set(&l->x, 1);
        if (fenced) {
            smp_mb();
        } else {
            barrier();
        }
        r1 = qatomic_read(&l->y);
        meet(l, 4 * i + 4, rand);
        if (r1 == 0 && qatomic_read(&l->r2) == 0) {
            both_zero++;
        }
    }
    qemu_thread_join(&thread);
    g_rand_free(rand);
    g_free(l);
    return both_zero;
}

static long litmus_rounds(void)
{
    return g_test_quick() ? 20000 : 1000000;
}

static void test_smp_mb_store_buffering(void)
{
    long rounds = litmus_rounds();
    long unfenced = run_store_buffering(rounds, false);
    long fenced = run_store_buffering(rounds, true);

    g_test_message("r1 == r2 == 0 in %ld of %ld rounds without smp_mb, "
                   "%ld with it", unfenced, rounds, fenced);
    g_assert_cmpint(fenced, ==, 0);
}

typedef struct MessagePassing {
    long data QEMU_ALIGNED(64);
    long flag QEMU_ALIGNED(64);
    long rounds;
    long seen;
    long errors;
} MessagePassing;

static void *mp_reader(void *opaque)
{
    MessagePassing *mp = opaque;
    long last = 0;

    while (last < mp->rounds) {
        long flag = qatomic_read(&mp->flag);

        if (flag == last) {
            continue;
        }
        /* Pairs with smp_mb_release in test_smp_mb_message_passing. */
        smp_mb_acquire();
        if (qatomic_read(&mp->data) < flag) {
            mp->errors++;
        }
        mp->seen++;
        last = flag;
    }
    return NULL;
}

static void test_smp_mb_message_passing(void)
{
    MessagePassing *mp = g_new0(MessagePassing, 1);
    QemuThread thread;

    mp->rounds = litmus_rounds() * 10;
    qemu_thread_create(&thread, "litmus-mp", mp_reader, mp,
                       QEMU_THREAD_JOINABLE);
    for (long i = 1; i <= mp->rounds; i++) {
        qatomic_set(&mp->data, i);
        /* Pairs with smp_mb_acquire in mp_reader. */
        smp_mb_release();
        qatomic_set(&mp->flag, i);
    }
    qemu_thread_join(&thread);
    g_assert_cmpint(mp->errors, ==, 0);
    g_assert_cmpint(mp->seen, >, 0);
    g_free(mp);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/atomic/smp_mb/store-buffering",
                    test_smp_mb_store_buffering);
    g_test_add_func("/atomic/smp_mb/message-passing",
                    test_smp_mb_message_passing);
    return g_test_run();
}
