/*
 * rcutorture: stress and performance tests of the RCU core.
 *
 * Modes (as GTest cases, or by name on the command line):
 *
 *   rperf   N readers, nothing else: the cost of a read-side section.
 *   uperf   N updaters calling synchronize_rcu: the cost of a grace period
 *           with no reader in the way.
 *   perf    N readers and one updater: both at once.
 *   stress  N readers (half of them QSBR threads) against two updaters,
 *           one that waits for grace periods and one that retires with
 *           call_rcu, and fake updaters that only call synchronize_rcu,
 *           to make grace periods overlap.
 *
 * What stress checks, and the bug each check is for:
 *
 * Poison on free.  The synchronize_rcu updater moves elements through a
 * pipeline: it publishes the oldest one as "current", adds one to the age
 * of every other, waits for a grace period and then marks the element it
 * replaced freed, as a free would poison it.  The call_rcu updater
 * publishes an element of a pool of its own and retires the one it
 * replaced with call_rcu, whose callback marks it freed; an element is
 * reused only once freed.  A reader takes both current elements inside a
 * read-side section (or between quiescent states) and checks, when it
 * takes them and again as it leaves, that neither is freed: an element is
 * freed only after a grace period that started once it was unreachable,
 * and that grace period waits for the reader.  Finding one freed means a
 * grace period ended too early, or a callback ran before one: "reads that
 * found a freed element".
 *
 * Ages.  The element a reader took was current when it took it, so the
 * updater can have aged it once (it is no longer current) but not twice.
 * The histogram of ages is printed; an age of 2 or more also means that
 * a reader held an element across a whole grace period after its removal.
 *
 * Nested sections that begin after a grace period started.  Now and then
 * an ordinary reader, inside its section, waits for the updater to start
 * a grace period, enters and leaves a nested section, waits a while for
 * the grace period to end (it must not), and only then checks its
 * elements.  A nested rcu_read_lock that took a fresh snapshot would let
 * that grace period end and free what the outer section holds.
 *
 * Lost wake-ups.  A grace period that sleeps is woken by the last reader
 * that leaves; one that its 5 ms timeout finds without its wake-up counts
 * a wake-up found missing (rcu_get_stats).  A reader is rarely caught
 * between leaving and waking it just when the timeout fires, so a few are
 * tolerated; a reader that never wakes the grace period makes nearly every
 * grace period that waits count one.
 *
 * A stress run stops at the first error.
 *
 *   rcutorture                  run the GTest cases (-m slow: longer)
 *   rcutorture MODE [N [SECS]]  run one mode with N readers or updaters;
 *                               exit status 1 if stress found an error
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"

#define PIPE_LEN 10             /* ages 0 .. PIPE_LEN-1, and "older" */
#define CB_POOL 64              /* elements of the call_rcu updater */

typedef struct StressElem {
    long age;                   /* written by the updater only */
    int freed;                  /* 1 from the free until the reuse */
} StressElem;

typedef struct CbElem {
    struct rcu_head rcu;
    int freed;                  /* set by the callback, cleared on reuse */
} CbElem;

typedef struct Torture {
    int n_readers;              /* every other one is a QSBR thread */
    int n_updaters;             /* uperf: real ones; stress: fake ones */
    bool with_updater;          /* perf, stress: one real updater */
    bool stress;
    bool race;                  /* race: readers that widen store buffering */
    int64_t duration_us;

    /* Set by the main thread to end a run, or by a reader on an error. */
    int stop;
    /* Reader threads take a number from here. */
    int next_reader;
    /* The threads count themselves in, so that all start together. */
    int started;

    /* Totals, added up under lock as each thread finishes. */
    QemuMutex lock;
    long reads;
    long updates;
    long cb_updates;
    long freed_seen;
    long lingers;
    long hist[PIPE_LEN + 1];
    RcuStats stats_before, stats_after;
} Torture;

/* The stress pipeline: written by the stress updater only. */
static StressElem pipeline[PIPE_LEN + 1];
static StressElem *current_elem;       /* read under RCU */
/* The call_rcu updater's pool: written by it and by its callback. */
static CbElem cb_pool[CB_POOL];
static CbElem *current_cb;             /* read under RCU */

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
    long reads = 0, freed_seen = 0, lingers = 0, hist[PIPE_LEN + 1] = { 0 };

    rcu_register_thread();
    wait_for_start(t);
    if (qsbr) {
        rcu_thread_online();
    }

    while (!qatomic_read(&t->stop)) {
        StressElem *p;
        CbElem *c = NULL;
        long age = 0, found = 0;

        if (!qsbr) {
            rcu_read_lock();
        }
        p = qatomic_rcu_read(&current_elem);
        if (t->stress) {
            c = qatomic_rcu_read(&current_cb);
            found += qatomic_read(&p->freed) + qatomic_read(&c->freed);
            if (!qsbr && (reads & 15) == 0) {
                /*
                 * Wait for the updater to replace p and start the grace
                 * period that will free it (rcu_gp_ctr moves past this
                 * section's snapshot), nest a section in this one, and
                 * give that grace period time to end and free p, as it
                 * would if the nested section had taken a fresh snapshot.
                 */
                int64_t deadline = g_get_monotonic_time() + 200;

                while (qatomic_read(&current_elem) == p &&
                       g_get_monotonic_time() < deadline) {
                    /* spin */
                }
                while (qatomic_read(&rcu_gp_ctr) ==
                       qatomic_read(&get_ptr_rcu_reader()->ctr) &&
                       g_get_monotonic_time() < deadline) {
                    /* spin */
                }
                rcu_read_lock();
                reader_work();
                rcu_read_unlock();
                while (!qatomic_read(&p->freed) &&
                       g_get_monotonic_time() < deadline + 100) {
                    /* spin */
                }
                lingers++;
            } else {
                /* A nested section must not end the outer one. */
                rcu_read_lock();
                reader_work();
                rcu_read_unlock();
            }
            age = qatomic_read(&p->age);
            found += qatomic_read(&p->freed) + qatomic_read(&c->freed);
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
        if (found) {
            freed_seen++;
            qatomic_set(&t->stop, 1);       /* one is enough */
        }
        hist[MIN(age, PIPE_LEN)]++;
        if (age >= 2) {
            qatomic_set(&t->stop, 1);
        }
        reads++;
    }

    if (qsbr) {
        rcu_thread_offline();
    }
    rcu_unregister_thread();

    qemu_mutex_lock(&t->lock);
    t->reads += reads;
    t->freed_seen += freed_seen;
    t->lingers += lingers;
    for (int i = 0; i <= PIPE_LEN; i++) {
        t->hist[i] += hist[i];
    }
    qemu_mutex_unlock(&t->lock);
    return NULL;
}

/*
 * race: an ordinary reader whose announcement of each section sits in
 * its CPU's store buffer for a while, behind stores that miss in the
 * cache, while its reads go ahead.  A grace period that looks at the
 * reader then, without the barrier that drains the buffer, sees it
 * quiescent; a reader that reads with no fence (or with none where one is
 * needed) reads before announcing.  Either way the element it took can
 * be freed under it, which it then sees.
 */
#define RACE_LINES      (8 * 1024 * 1024 / 64)
#define RACE_STORES     8

static void *race_reader_thread(void *opaque)
{
    Torture *t = opaque;
    char *lines = g_malloc0(RACE_LINES * 64);
    long reads = 0, freed_seen = 0;
    unsigned line = 0;

    rcu_register_thread();
    wait_for_start(t);
    while (!qatomic_read(&t->stop)) {
        StressElem *p;

        for (int i = 0; i < RACE_STORES; i++) {
            line = (line + 4099) % RACE_LINES;
            qatomic_set(&lines[line * 64], reads);
        }
        rcu_read_lock();
        p = qatomic_rcu_read(&current_elem);
        for (volatile int i = 0; i < 100; i++) {
            /* long enough for a grace period to end */
        }
        if (qatomic_read(&p->freed)) {
            freed_seen++;
            qatomic_set(&t->stop, 1);
        }
        rcu_read_unlock();
        /*
         * Now and then look idle for a moment, so that grace periods park
         * this reader, and the next section starts parked.
         */
        if ((++reads & 255) == 0) {
            g_usleep(20);
        }
    }
    rcu_unregister_thread();
    g_free(lines);

    qemu_mutex_lock(&t->lock);
    t->reads += reads;
    t->freed_seen += freed_seen;
    qemu_mutex_unlock(&t->lock);
    return NULL;
}

/* The synchronize_rcu updater (of stress, and of perf, without the ages). */
static void *updater_thread(void *opaque)
{
    Torture *t = opaque;
    int idx = 0;
    long updates = 0;

    rcu_register_thread();
    wait_for_start(t);
    while (!qatomic_read(&t->stop)) {
        int next = (idx + 1) % (PIPE_LEN + 1);
        StressElem *p = &pipeline[next], *old = &pipeline[idx];

        /* Reuse the oldest element: nobody can hold it any more. */
        qatomic_set(&p->age, 0);
        qatomic_set(&p->freed, 0);
        /* Publish: the release orders the stores above before it. */
        qatomic_rcu_set(&current_elem, p);
        idx = next;

        for (int i = 0; i <= PIPE_LEN; i++) {
            if (i != idx) {
                qatomic_set(&pipeline[i].age, pipeline[i].age + 1);
            }
        }
        synchronize_rcu();
        /* The grace period covers every reader of old: free it. */
        qatomic_set(&old->freed, 1);
        updates++;
    }
    rcu_unregister_thread();

    qemu_mutex_lock(&t->lock);
    t->updates += updates;
    qemu_mutex_unlock(&t->lock);
    return NULL;
}

static void cb_free(CbElem *e)
{
    qatomic_store_release(&e->freed, 1);
}

/* The call_rcu updater of stress; it does not register. */
static void *cb_updater_thread(void *opaque)
{
    Torture *t = opaque;
    long updates = 0;

    wait_for_start(t);
    for (int i = 1; !qatomic_read(&t->stop); i++) {
        CbElem *e = &cb_pool[i % CB_POOL], *old;

        /* Reuse an element only once its callback has run. */
        while (!qatomic_load_acquire(&e->freed)) {
            if (qatomic_read(&t->stop)) {
                goto out;
            }
            g_usleep(10);
        }
        qatomic_set(&e->freed, 0);
        old = current_cb;
        qatomic_rcu_set(&current_cb, e);
        call_rcu(old, cb_free, rcu);
        updates++;
    }
out:
    qemu_mutex_lock(&t->lock);
    t->cb_updates += updates;
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

/* Wake-ups found missing during the run, and grace periods that waited. */
static uint64_t torture_rescued(Torture *t)
{
    return t->stats_after.wakeups_rescued - t->stats_before.wakeups_rescued;
}

static uint64_t torture_waited(Torture *t)
{
    return t->stats_after.gp_waited - t->stats_before.gp_waited;
}

/* More wake-ups found missing than chance explains (see the top). */
static bool torture_too_many_rescued(Torture *t)
{
    return torture_rescued(t) > 2 + torture_waited(t) / 50;
}

/* Start every thread, let them run for the duration, stop them. */
static void torture_run(Torture *t)
{
    int n_threads = t->n_readers + t->n_updaters + t->with_updater +
                    t->stress;
    QemuThread *threads = g_new(QemuThread, n_threads);
    int64_t end;
    int n = 0;

    qemu_mutex_init(&t->lock);
    for (int i = 0; i <= PIPE_LEN; i++) {
        pipeline[i].age = PIPE_LEN;
        pipeline[i].freed = 1;
    }
    pipeline[0].age = 0;
    pipeline[0].freed = 0;
    current_elem = &pipeline[0];
    for (int i = 0; i < CB_POOL; i++) {
        cb_pool[i].freed = 1;
    }
    cb_pool[0].freed = 0;
    current_cb = &cb_pool[0];
    /* Queued callbacks of an earlier run still point into the pool. */
    drain_call_rcu();
    rcu_get_stats(&t->stats_before);

    for (int i = 0; i < t->n_readers; i++) {
        qemu_thread_create(&threads[n++], "rcu-reader",
                           t->race ? race_reader_thread : reader_thread, t,
                           QEMU_THREAD_JOINABLE);
    }
    if (t->with_updater) {
        qemu_thread_create(&threads[n++], "rcu-updater", updater_thread, t,
                           QEMU_THREAD_JOINABLE);
    }
    if (t->stress) {
        qemu_thread_create(&threads[n++], "rcu-cb-updater", cb_updater_thread,
                           t, QEMU_THREAD_JOINABLE);
    }
    for (int i = 0; i < t->n_updaters; i++) {
        qemu_thread_create(&threads[n++], "rcu-sync", sync_thread, t,
                           QEMU_THREAD_JOINABLE);
    }
    while (qatomic_read(&t->started) < n_threads) {
        g_usleep(100);
    }
    qatomic_set(&t->started, 0);    /* go */
    end = g_get_monotonic_time() + t->duration_us;
    while (!qatomic_read(&t->stop) && g_get_monotonic_time() < end) {
        g_usleep(MIN(10 * 1000, t->duration_us));
        rcu_get_stats(&t->stats_after);
        if (torture_too_many_rescued(t)) {
            break;
        }
    }
    qatomic_set(&t->stop, 1);
    for (int i = 0; i < n_threads; i++) {
        qemu_thread_join(&threads[i]);
    }
    rcu_get_stats(&t->stats_after);
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
           t->n_readers, t->n_updaters + t->with_updater + t->stress,
           t->stress ? " (one of each kind, the others fake)" : "", secs);
    if (t->reads) {
        report("  reads:   %ld, %.2f ns per read per reader", t->reads,
               t->duration_us * 1000.0 * t->n_readers / t->reads);
    }
    if (t->updates) {
        report("  updates: %ld, %.2f us per grace period", t->updates,
               t->duration_us / (double)t->updates);
    }
    if (t->race) {
        report("  reads that found a freed element: %ld", t->freed_seen);
    }
    if (t->stress) {
        GString *hist = g_string_new("  pipeline ages seen by readers:");

        for (int i = 0; i <= PIPE_LEN; i++) {
            g_string_append_printf(hist, " %ld", t->hist[i]);
        }
        report("%s", hist->str);
        g_string_free(hist, true);
        report("  call_rcu updates: %ld", t->cb_updates);
        report("  nested sections after a grace period started: %ld",
               t->lingers);
        report("  reads that found a freed element: %ld", t->freed_seen);
        report("  wake-ups found missing: %" PRIu64 " in %" PRIu64
               " grace periods that waited", torture_rescued(t),
               torture_waited(t));
    }
}

/*
 * The errors of a stress run, each with a FAIL line; 0 if none.  A few
 * wake-ups found missing are tolerated (see the top of the file).
 */
static long torture_errors(Torture *t)
{
    long old = 0, errors = 0;

    for (int i = 2; i <= PIPE_LEN; i++) {
        old += t->hist[i];
    }
    if (t->freed_seen) {
        report("FAIL: %ld read(s) found a freed element", t->freed_seen);
        errors += t->freed_seen;
    }
    if (old) {
        report("FAIL: %ld read(s) found an element older than a grace "
               "period", old);
        errors += old;
    }
    if (torture_too_many_rescued(t)) {
        report("FAIL: %" PRIu64 " wake-up(s) found missing in %" PRIu64
               " grace periods that waited", torture_rescued(t),
               torture_waited(t));
        errors++;
    }
    return errors;
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

static void test_race(void)
{
    Torture t = {
        .n_readers = 2, .with_updater = true, .race = true,
        .duration_us = duration(500, 10000),
    };

    torture_run(&t);
    torture_report(&t, "race");
    g_assert_cmpint(t.updates, >, 0);
    g_assert_cmpint(torture_errors(&t), ==, 0);
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
    g_assert_cmpint(t.cb_updates, >, 0);
    g_assert_cmpint(torture_errors(&t), ==, 0);
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
    } else if (!strcmp(mode, "race")) {
        t.n_readers = n;
        t.with_updater = true;
        t.race = true;
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
    if ((t.stress || t.race) && torture_errors(&t)) {
        return 1;
    }
    return 0;

usage:
    fprintf(stderr, "usage: %s [GTest options]\n"
            "       %s rperf|uperf|perf|race|stress [N [SECONDS]]\n",
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
    g_test_add_func("/rcu/torture/race", test_race);
    g_test_add_func("/rcu/torture/stress", test_stress);
    return g_test_run();
}
