/*
 * rcutorture: stress and performance tests of the RCU core.
 *
 * Modes (as GTest cases, or by name on the command line):
 *
 *   rperf   N readers, nothing else: the cost of a read-side section.
 *   uperf   N updaters calling synchronize_rcu: the cost of a grace period
 *           with no reader in the way.
 *   perf    N readers and one updater: both at once.
 *   stress  N readers (half of them QSBR threads), one updater moving
 *           elements through a pipeline, and fake updaters that only call
 *           synchronize_rcu, to make grace periods overlap.
 *
 * The stress test's pipeline: the updater publishes an element as
 * "current", then adds one to the age of every element that is not
 * current, then waits for a grace period; elements are reused once old.
 * A reader takes the current element inside a read-side section (or
 * between quiescent states), does a little work, and records the
 * element's age as it leaves.  The element was current when the reader
 * took it, so the updater can have aged it once (it is no longer current)
 * but not twice: the second aging comes after a grace period that started
 * once the element was unreachable, and that grace period must wait for
 * the reader.  So every age seen must be 0 or 1.  An age of 2 or more
 * means a reader saw an object older than one grace period: an RCU bug.
 * The histogram of ages is printed, and its buckets from 2 up must be
 * empty.
 *
 * Each element also has a flag that the updater clears before reusing it
 * and sets before publishing it.  A reader that finds it clear saw an
 * element being reinitialised while it held it, which is also a bug
 * (counted as a memory-barrier error, since a missing barrier is the
 * usual cause).
 *
 *   rcutorture                  run the GTest cases (-m slow: longer)
 *   rcutorture MODE [N [SECS]]  run one mode with N readers or updaters
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

#define PIPE_LEN 10             /* ages 0 .. PIPE_LEN-1, and "older" */

typedef struct StressElem {
    long age;                   /* written by the updater only */
    long mbtest;                /* 1 from publication until reuse */
} StressElem;

typedef struct Torture {
    int n_readers;              /* every other one is a QSBR thread */
    int n_updaters;             /* uperf: real ones; stress: fake ones */
    bool with_updater;          /* perf, stress: one real updater */
    bool stress;
    int64_t duration_us;

    /* Set by the main thread to end a run. */
    int stop;
    /* Reader threads take a number from here. */
    int next_reader;
    /* The threads count themselves in, so that all start together. */
    int started;

    /* Totals, added up under lock as each thread finishes. */
    QemuMutex lock;
    long reads;
    long updates;
    long mberrors;
    long hist[PIPE_LEN + 1];
} Torture;

/* The stress pipeline: written by the stress updater only. */
static StressElem pipeline[PIPE_LEN + 1];
static StressElem *current_elem;       /* read under RCU */

/* Readers spin here a while inside their sections, to overlap updates. */
static void reader_work(void)
{
    for (volatile int i = 0; i < 50; i++) {
        /* nothing */
    }
}

static void wait_for_start(Torture *t)
{
    qatomic_inc(&t->started);
    while (qatomic_read(&t->started) > 0) {
        g_usleep(100);
    }
}

static void *reader_thread(void *opaque)
{
    Torture *t = opaque;
    /* Every other reader is a QSBR thread. */
    bool qsbr = qatomic_fetch_inc(&t->next_reader) % 2;
    long reads = 0, mberrors = 0, hist[PIPE_LEN + 1] = { 0 };

    rcu_register_thread();
    wait_for_start(t);
    if (qsbr) {
        rcu_thread_online();
    }

    while (!qatomic_read(&t->stop)) {
        StressElem *p;
        long age = 0;

        if (!qsbr) {
            rcu_read_lock();
        }
        p = qatomic_rcu_read(&current_elem);
        if (t->stress) {
            if (!qatomic_read(&p->mbtest)) {
                mberrors++;
            }
            /* A nested section must not end the outer one. */
            rcu_read_lock();
            reader_work();
            rcu_read_unlock();
            age = qatomic_read(&p->age);
        }
        if (qsbr) {
            rcu_quiescent_state();
            /* Now and then, be offline for a moment. */
            if ((reads & 1023) == 0) {
                rcu_thread_offline();
                rcu_thread_online();
            }
        } else {
            rcu_read_unlock();
        }
        hist[MIN(age, PIPE_LEN)]++;
        reads++;
    }

    if (qsbr) {
        rcu_thread_offline();
    }
    rcu_unregister_thread();

    qemu_mutex_lock(&t->lock);
    t->reads += reads;
    t->mberrors += mberrors;
    for (int i = 0; i <= PIPE_LEN; i++) {
        t->hist[i] += hist[i];
    }
    qemu_mutex_unlock(&t->lock);
    return NULL;
}

/* The real updater of stress (and of perf, where nobody looks at ages). */
static void *updater_thread(void *opaque)
{
    Torture *t = opaque;
    int idx = 0;
    long updates = 0;

    rcu_register_thread();
    wait_for_start(t);
    while (!qatomic_read(&t->stop)) {
        int next = (idx + 1) % (PIPE_LEN + 1);
        StressElem *p = &pipeline[next];

        /* Reuse the oldest element: nobody can hold it any more. */
        qatomic_set(&p->mbtest, 0);
        qatomic_set(&p->age, 0);
        qatomic_set(&p->mbtest, 1);
        /* Publish: the release orders the stores above before it. */
        qatomic_rcu_set(&current_elem, p);
        idx = next;

        for (int i = 0; i <= PIPE_LEN; i++) {
            if (i != idx) {
                qatomic_set(&pipeline[i].age, pipeline[i].age + 1);
            }
        }
        synchronize_rcu();
        updates++;
    }
    rcu_unregister_thread();

    qemu_mutex_lock(&t->lock);
    t->updates += updates;
    qemu_mutex_unlock(&t->lock);
    return NULL;
}

/* uperf's updaters, and stress's fake ones: grace periods, nothing else. */
static void *sync_thread(void *opaque)
{
    Torture *t = opaque;
    long updates = 0;

    rcu_register_thread();
    wait_for_start(t);
    while (!qatomic_read(&t->stop)) {
        synchronize_rcu();
        updates++;
        if (t->stress) {
            /* Fake updaters make overlap, not load. */
            g_usleep(100);
        }
    }
    rcu_unregister_thread();

    if (!t->stress) {
        qemu_mutex_lock(&t->lock);
        t->updates += updates;
        qemu_mutex_unlock(&t->lock);
    }
    return NULL;
}

/* Start every thread, let them run for the duration, stop them. */
static void torture_run(Torture *t)
{
    int n_threads = t->n_readers + t->n_updaters + t->with_updater;
    QemuThread *threads = g_new(QemuThread, n_threads);
    int n = 0;

    qemu_mutex_init(&t->lock);
    for (int i = 0; i <= PIPE_LEN; i++) {
        pipeline[i].age = PIPE_LEN;
        pipeline[i].mbtest = 0;
    }
    pipeline[0].age = 0;
    pipeline[0].mbtest = 1;
    current_elem = &pipeline[0];

    for (int i = 0; i < t->n_readers; i++) {
        qemu_thread_create(&threads[n++], "rcu-reader", reader_thread, t,
                           QEMU_THREAD_JOINABLE);
    }
    if (t->with_updater) {
        qemu_thread_create(&threads[n++], "rcu-updater", updater_thread, t,
                           QEMU_THREAD_JOINABLE);
    }
    for (int i = 0; i < t->n_updaters; i++) {
        qemu_thread_create(&threads[n++], "rcu-sync", sync_thread, t,
                           QEMU_THREAD_JOINABLE);
    }
    while (qatomic_read(&t->started) < n_threads) {
        g_usleep(100);
    }
    qatomic_set(&t->started, 0);    /* go */
    g_usleep(t->duration_us);
    qatomic_set(&t->stop, 1);
    for (int i = 0; i < n_threads; i++) {
        qemu_thread_join(&threads[i]);
    }
    qemu_mutex_destroy(&t->lock);
    g_free(threads);
}

/* Under GTest the report goes out as TAP comments. */
static bool in_gtest;

static void G_GNUC_PRINTF(1, 2) report(const char *fmt, ...)
{
    va_list ap;
    char *line;

    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (in_gtest) {
        g_test_message("%s", line);
    } else {
        printf("%s\n", line);
    }
    g_free(line);
}

static void torture_report(Torture *t, const char *mode)
{
    double secs = t->duration_us / 1e6;

    report("%s: %d reader(s), %d updater(s)%s, %.1f s", mode,
           t->n_readers, t->n_updaters + t->with_updater,
           t->stress ? " (one real, the others fake)" : "", secs);
    if (t->reads) {
        report("  reads:   %ld, %.2f ns per read per reader", t->reads,
               t->duration_us * 1000.0 * t->n_readers / t->reads);
    }
    if (t->updates) {
        report("  updates: %ld, %.2f us per grace period", t->updates,
               t->duration_us / (double)t->updates);
    }
    if (t->stress) {
        GString *hist = g_string_new("  pipeline ages seen by readers:");

        for (int i = 0; i <= PIPE_LEN; i++) {
            g_string_append_printf(hist, " %ld", t->hist[i]);
        }
        report("%s", hist->str);
        g_string_free(hist, true);
        report("  memory-barrier errors: %ld", t->mberrors);
    }
}

/* Stress must see no error; returns the number of bad observations. */
static long torture_errors(Torture *t)
{
    long bad = t->mberrors;

    for (int i = 2; i <= PIPE_LEN; i++) {
        bad += t->hist[i];
    }
    return bad;
}

static int64_t duration(int64_t quick_ms, int64_t slow_ms)
{
    return (g_test_quick() ? quick_ms : slow_ms) * 1000;
}

static void test_rperf(void)
{
    Torture t = { .n_readers = 2, .duration_us = duration(200, 3000) };

    torture_run(&t);
    torture_report(&t, "rperf");
    g_assert_cmpint(t.reads, >, 0);
}

static void test_uperf(void)
{
    Torture t = { .n_updaters = 2, .duration_us = duration(200, 3000) };

    torture_run(&t);
    torture_report(&t, "uperf");
    g_assert_cmpint(t.updates, >, 0);
}

static void test_perf(void)
{
    Torture t = {
        .n_readers = 2, .with_updater = true,
        .duration_us = duration(200, 3000),
    };

    torture_run(&t);
    torture_report(&t, "perf");
    g_assert_cmpint(t.reads, >, 0);
    g_assert_cmpint(t.updates, >, 0);
}

static void test_stress(void)
{
    Torture t = {
        .n_readers = g_test_quick() ? 4 : 8, .n_updaters = 2,
        .with_updater = true, .stress = true,
        .duration_us = duration(1000, 20000),
    };

    torture_run(&t);
    torture_report(&t, "stress");
    g_assert_cmpint(t.updates, >, 0);
    g_assert_cmpint(t.mberrors, ==, 0);
    for (int i = 2; i <= PIPE_LEN; i++) {
        g_assert_cmpint(t.hist[i], ==, 0);
    }
    /* Age 1: a reader held an element while it was replaced. */
    g_test_message("%ld reads raced with a replacement", t.hist[1]);
}

/* rcutorture MODE [N [SECS]] */
static int run_mode(int argc, char **argv)
{
    const char *mode = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 2;
    double secs = argc > 3 ? atof(argv[3]) : 1;
    Torture t = { .duration_us = secs * 1e6 };

    if (n < 1 || secs <= 0 || argc > 4) {
        goto usage;
    }
    if (!strcmp(mode, "rperf")) {
        t.n_readers = n;
    } else if (!strcmp(mode, "uperf")) {
        t.n_updaters = n;
    } else if (!strcmp(mode, "perf")) {
        t.n_readers = n;
        t.with_updater = true;
    } else if (!strcmp(mode, "stress")) {
        t.n_readers = n;
        t.n_updaters = 2;
        t.with_updater = true;
        t.stress = true;
    } else {
        goto usage;
    }
    torture_run(&t);
    torture_report(&t, mode);
    if (t.stress && torture_errors(&t)) {
        report("FAIL: readers saw %ld object(s) older than a grace period "
               "or being reused", torture_errors(&t));
        return 1;
    }
    return 0;

usage:
    fprintf(stderr, "usage: %s [GTest options]\n"
            "       %s rperf|uperf|perf|stress [N [SECONDS]]\n",
            argv[0], argv[0]);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc > 1 && argv[1][0] != '-') {
        return run_mode(argc, argv);
    }
    g_test_init(&argc, &argv, NULL);
    in_gtest = true;
    g_test_add_func("/rcu/torture/rperf", test_rperf);
    g_test_add_func("/rcu/torture/uperf", test_uperf);
    g_test_add_func("/rcu/torture/perf", test_perf);
    g_test_add_func("/rcu/torture/stress", test_stress);
    return g_test_run();
}
