/*
 * call_rcu, g_free_rcu, drain_call_rcu and the force-RCU notifiers
 * (include/qemu/rcu.h).
 *
 * This program never sets up the main loop: everything here must work
 * before it exists, as it must before any vCPU exists.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include "qemu/main-loop.h"
#include <sys/wait.h>

typedef struct Obj {
    struct rcu_head rcu;
    long seq;
    long *log;                  /* where the callback records seq */
    int *count;
} Obj;

static QemuThread main_thread;

static void obj_reclaim(Obj *obj)
{
    /* On the call_rcu thread, with the BQL held. */
    g_assert_false(qemu_thread_is_self(&main_thread));
    g_assert_true(qemu_mutex_iothread_locked());
    if (obj->log) {
        obj->log[qatomic_fetch_inc(obj->count)] = obj->seq;
    } else {
        qatomic_inc(obj->count);
    }
    g_free(obj);
}

static Obj *obj_new(long seq, long *log, int *count)
{
    Obj *obj = g_new0(Obj, 1);

    obj->seq = seq;
    obj->log = log;
    obj->count = count;
    return obj;
}

/* Callbacks run after the drain, in the order they were queued. */
static void test_order(void)
{
    int n = 1000, count = 0;
    long *log = g_new(long, n);

    for (int i = 0; i < n; i++) {
        Obj *obj = obj_new(i, log, &count);

        call_rcu(obj, obj_reclaim, rcu);
    }
    drain_call_rcu();
    g_assert_cmpint(qatomic_read(&count), ==, n);
    for (int i = 0; i < n; i++) {
        g_assert_cmpint(log[i], ==, i);
    }
    g_free(log);
}

/* liburcu's name for drain_call_rcu. */
static void test_rcu_barrier(void)
{
    int count = 0;

    for (int i = 0; i < 100; i++) {
        call_rcu(obj_new(i, NULL, &count), obj_reclaim, rcu);
    }
    rcu_barrier();
    g_assert_cmpint(qatomic_read(&count), ==, 100);
}

/*
 * A batching delay holds callbacks back at least that long (and draining
 * still works).
 */
static int64_t delayed_ran;

static void delayed_cb(struct rcu_head *head)
{
    qatomic_set_i64(&delayed_ran, g_get_monotonic_time());
    g_free(head);
}

static void test_batch_delay(void)
{
    int64_t queued;

    call_rcu_set_batch_delay(30);
    queued = g_get_monotonic_time();
    call_rcu1(g_new0(struct rcu_head, 1), delayed_cb);
    drain_call_rcu();
    call_rcu_set_batch_delay(0);
    g_assert_cmpint(qatomic_read_i64(&delayed_ran) - queued, >=, 30 * 1000);
}

/* g_free_rcu frees with g_free (AddressSanitizer checks the rest). */
typedef struct Blob {
    struct rcu_head rcu;
    char data[100];
} Blob;

static void test_g_free_rcu(void)
{
    for (int i = 0; i < 100; i++) {
        Blob *b = g_new0(Blob, 1);

        g_free_rcu(b, rcu);
    }
    drain_call_rcu();
}

/* A callback must wait for a reader that started before it was queued. */
typedef struct Holdup {
    QemuSemaphore inside, leave;
    int reader_left;
    int ran;
    int left_when_ran;
} Holdup;

static Holdup holdup;

static void *holdup_reader(void *opaque)
{
    rcu_register_thread();
    rcu_read_lock();
    qemu_sem_post(&holdup.inside);
    qemu_sem_wait(&holdup.leave);
    qatomic_set(&holdup.reader_left, 1);
    rcu_read_unlock();
    rcu_unregister_thread();
    return NULL;
}

static void holdup_cb(struct rcu_head *head)
{
    qatomic_set(&holdup.left_when_ran, qatomic_read(&holdup.reader_left));
    qatomic_set(&holdup.ran, 1);
    g_free(head);
}

static void test_waits_for_readers(void)
{
    QemuThread reader;

    qemu_sem_init(&holdup.inside, 0);
    qemu_sem_init(&holdup.leave, 0);
    qemu_thread_create(&reader, "rcu-holdup", holdup_reader, NULL,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&holdup.inside);
    call_rcu1(g_new0(struct rcu_head, 1), holdup_cb);
    /* Time enough for the callback to run, if it were going to. */
    g_usleep(50 * 1000);
    g_assert_cmpint(qatomic_read(&holdup.ran), ==, 0);
    qemu_sem_post(&holdup.leave);
    drain_call_rcu();
    g_assert_cmpint(holdup.ran, ==, 1);
    g_assert_cmpint(holdup.left_when_ran, ==, 1);
    qemu_thread_join(&reader);
    qemu_sem_destroy(&holdup.inside);
    qemu_sem_destroy(&holdup.leave);
}

/*
 * Statistics: callbacks held up by a reader are queued and pending; after
 * a drain they have run (all but, perhaps, the drain's own, which counts
 * as run only once it has returned).
 */
static void test_stats(void)
{
    QemuThread reader;
    RcuStats before, during, after;
    int count = 0;

    drain_call_rcu();
    rcu_get_stats(&before);
    g_assert_cmpuint(before.cb_pending, <=, 1);
    qemu_sem_init(&holdup.inside, 0);
    qemu_sem_init(&holdup.leave, 0);
    qemu_thread_create(&reader, "rcu-holdup", holdup_reader, NULL,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&holdup.inside);
    for (int i = 0; i < 100; i++) {
        call_rcu(obj_new(i, NULL, &count), obj_reclaim, rcu);
    }
    rcu_get_stats(&during);
    g_assert_cmpuint(during.cb_queued, >=, before.cb_queued + 100);
    g_assert_cmpuint(during.cb_pending, >=, 100);
    g_assert_cmpuint(during.cb_pending, ==, during.cb_queued - during.cb_run);

    qemu_sem_post(&holdup.leave);
    drain_call_rcu();
    qemu_thread_join(&reader);
    rcu_get_stats(&after);
    g_assert_cmpint(qatomic_read(&count), ==, 100);
    g_assert_cmpuint(after.cb_run, >=, before.cb_run + 100);
    g_assert_cmpuint(after.cb_pending, <=, 1);
    qemu_sem_destroy(&holdup.inside);
    qemu_sem_destroy(&holdup.leave);
}

/* Callbacks need the BQL: a drain under it must let go of it. */
static void test_drain_with_bql(void)
{
    int count = 0;
    Obj *obj = obj_new(0, NULL, &count);

    qemu_mutex_lock_iothread();
    call_rcu(obj, obj_reclaim, rcu);
    drain_call_rcu();
    g_assert_true(qemu_mutex_iothread_locked());
    qemu_mutex_unlock_iothread();
    g_assert_cmpint(count, ==, 1);
}

/* An online caller would hold up the grace period it waits for. */
static void test_drain_online(void)
{
    int count = 0;
    Obj *obj = obj_new(0, NULL, &count);

    rcu_thread_online();
    call_rcu(obj, obj_reclaim, rcu);
    drain_call_rcu();
    g_assert_true(get_ptr_rcu_reader()->online);
    rcu_thread_offline();
    g_assert_cmpint(count, ==, 1);
}

/* Callbacks may queue callbacks. */
static int chain_left;

static void chain_cb(struct rcu_head *head)
{
    if (qatomic_dec_fetch(&chain_left) > 0) {
        call_rcu1(head, chain_cb);
    } else {
        g_free(head);
    }
}

static void test_chain(void)
{
    chain_left = 10;
    call_rcu1(g_new0(struct rcu_head, 1), chain_cb);
    /* Each drain covers at least the link queued before it. */
    for (int i = 0; i < 10 && qatomic_read(&chain_left) > 0; i++) {
        drain_call_rcu();
    }
    g_assert_cmpint(qatomic_read(&chain_left), ==, 0);
}

/* Many threads queueing at once, registered or not. */
static void *producer(void *opaque)
{
    int *count = opaque;
    bool registered = qatomic_fetch_inc(&count[1]) % 2;
    int n = g_test_quick() ? 20000 : 500000;

    if (registered) {
        rcu_register_thread();
    }
    for (int i = 0; i < n; i++) {
        Obj *obj = obj_new(i, NULL, count);

        call_rcu(obj, obj_reclaim, rcu);
    }
    if (registered) {
        rcu_unregister_thread();
    }
    return NULL;
}

static void test_many_producers(void)
{
    QemuThread threads[4];
    int count[2] = { 0, 0 };        /* callbacks run, threads numbered */

    for (int i = 0; i < 4; i++) {
        qemu_thread_create(&threads[i], "rcu-producer", producer, count,
                           QEMU_THREAD_JOINABLE);
    }
    for (int i = 0; i < 4; i++) {
        qemu_thread_join(&threads[i]);
    }
    drain_call_rcu();
    g_assert_cmpint(qatomic_read(&count[0]), ==,
                    4 * (g_test_quick() ? 20000 : 500000));
}

/*
 * A QSBR reader that only reports a quiescent state when kicked: without
 * its force-RCU notifier, the drain would never end.
 */
typedef struct Stubborn {
    Notifier force;
    int kicked;
    int kicks;
    int stop;
    QemuSemaphore online;
} Stubborn;

static void stubborn_kick(Notifier *n, void *data)
{
    Stubborn *s = container_of(n, Stubborn, force);

    qatomic_inc(&s->kicks);
    qatomic_set(&s->kicked, 1);
}

static void *stubborn_reader(void *opaque)
{
    Stubborn *s = opaque;

    rcu_register_thread();
    s->force.notify = stubborn_kick;
    rcu_add_force_rcu_notifier(&s->force);
    rcu_thread_online();
    qemu_sem_post(&s->online);
    while (!qatomic_read(&s->stop)) {
        if (qatomic_xchg(&s->kicked, 0)) {
            rcu_quiescent_state();
        }
    }
    rcu_thread_offline();
    rcu_remove_force_rcu_notifier(&s->force);
    rcu_unregister_thread();
    return NULL;
}

static void test_force_rcu(void)
{
    Stubborn s = { 0 };
    QemuThread reader;
    int count = 0, kicks;
    Obj *obj = obj_new(0, NULL, &count);

    qemu_sem_init(&s.online, 0);
    qemu_thread_create(&reader, "rcu-stubborn", stubborn_reader, &s,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&s.online);
    call_rcu(obj, obj_reclaim, rcu);
    drain_call_rcu();
    g_assert_cmpint(count, ==, 1);
    kicks = qatomic_read(&s.kicks);
    g_assert_cmpint(kicks, >, 0);

    qatomic_set(&s.stop, 1);
    qemu_thread_join(&reader);
    /* Removed with its thread: grace periods no longer call it. */
    synchronize_rcu();
    g_assert_cmpint(qatomic_read(&s.kicks), ==, kicks);
    qemu_sem_destroy(&s.online);
}

/*
 * Fork; the child runs child_fn, which must return true within 30 s; the
 * parent runs parent_fn (if any) meanwhile and then checks the child.
 */
static void fork_and_check(bool (*child_fn)(void), void (*parent_fn)(void))
{
    int status;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        alarm(30);                  /* a hang becomes a failure */
        _exit(child_fn() ? 0 : 1);
    }
    if (parent_fn) {
        parent_fn();
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
}

/* Callbacks run by the process that counts here (each has its own copy). */
static int fork_count;

/* In a child: queue one callback and drain. */
static bool child_call_and_drain(void)
{
    int before = fork_count;

    call_rcu(obj_new(0, NULL, &fork_count), obj_reclaim, rcu);
    drain_call_rcu();
    return fork_count == before + 1;
}

/*
 * fork: the child has no call_rcu thread; call_rcu and drain_call_rcu
 * must start one.
 */
static void test_fork(void)
{
#ifdef QEMU_SANITIZE_THREAD
    g_test_skip("ThreadSanitizer cannot start threads in a forked child");
    return;
#endif
    /* The parent's call_rcu thread exists and is idle. */
    fork_count = 0;
    call_rcu(obj_new(0, NULL, &fork_count), obj_reclaim, rcu);
    drain_call_rcu();
    g_assert_cmpint(fork_count, ==, 1);
    /* It has also let go of the BQL, which the child needs. */
    qemu_mutex_lock_iothread();
    qemu_mutex_unlock_iothread();

    fork_and_check(child_call_and_drain, NULL);

    /* The parent's thread still works. */
    g_assert_true(child_call_and_drain());
    g_assert_cmpint(fork_count, ==, 2);
}

/*
 * fork by a thread that holds the BQL: the child's thread still holds it,
 * must be able to release it (debug builds too), and callbacks run once
 * it does.
 */
static bool child_with_bql(void)
{
    bool ok = child_call_and_drain();   /* drops the BQL while it waits */

    qemu_mutex_unlock_iothread();
    return ok;
}

static void test_fork_with_bql(void)
{
#ifdef QEMU_SANITIZE_THREAD
    g_test_skip("ThreadSanitizer cannot start threads in a forked child");
    return;
#endif
    qemu_mutex_lock_iothread();
    fork_and_check(child_with_bql, qemu_mutex_unlock_iothread);
}

/*
 * fork while the parent's call_rcu thread has taken a callback and not
 * yet run it: the child must run it.  The forking thread holds the BQL,
 * so the parent's thread cannot run the callback before the fork.
 */
static struct rcu_reader_data *taken_reader;
static QemuSemaphore taken_inside, taken_leave;

static void *taken_holdup(void *opaque)
{
    rcu_register_thread();
    qatomic_set(&taken_reader, get_ptr_rcu_reader());
    rcu_read_lock();
    qemu_sem_post(&taken_inside);
    qemu_sem_wait(&taken_leave);
    rcu_read_unlock();
    rcu_unregister_thread();
    return NULL;
}

static bool child_runs_taken(void)
{
    /* Queued before the fork, so covered by this drain. */
    drain_call_rcu();
    qemu_mutex_unlock_iothread();
    return fork_count == 1;
}

static void test_fork_taken(void)
{
    QemuThread reader;

#ifdef QEMU_SANITIZE_THREAD
    g_test_skip("ThreadSanitizer cannot start threads in a forked child");
    return;
#endif
    qemu_sem_init(&taken_inside, 0);
    qemu_sem_init(&taken_leave, 0);
    qemu_thread_create(&reader, "rcu-holdup", taken_holdup, NULL,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&taken_inside);

    /* The call_rcu thread takes the callback and waits for the reader. */
    fork_count = 0;
    qemu_mutex_lock_iothread();
    call_rcu(obj_new(0, NULL, &fork_count), obj_reclaim, rcu);
    while (!qatomic_read(&taken_reader->waiting)) {
        g_usleep(100);
    }
    /* Its grace period ends; then it waits for the BQL. */
    qemu_sem_post(&taken_leave);
    fork_and_check(child_runs_taken, qemu_mutex_unlock_iothread);

    drain_call_rcu();
    g_assert_cmpint(fork_count, ==, 1);
    qemu_thread_join(&reader);
    qemu_sem_destroy(&taken_inside);
    qemu_sem_destroy(&taken_leave);
}

/*
 * Misuse, each in a subprocess that must die with the message.  A
 * callback's misuse: cb set, run by a drain.
 */
typedef struct Misuse {
    const char *name;
    void (*fn)(void);
    RCUCBFunc *cb;
    const char *message;
} Misuse;

static void drain_cb(struct rcu_head *head)
{
    drain_call_rcu();
}

static void fork_cb(struct rcu_head *head)
{
    fork();
}

static void sync_cb(struct rcu_head *head)
{
    synchronize_rcu();
}

static void misuse_drain_in_section(void)
{
    rcu_read_lock();
    drain_call_rcu();
}

static const Misuse misuses[] = {
    { "drain-from-callback", NULL, drain_cb,
      "*drain_call_rcu called from an RCU callback*" },
    { "fork-from-callback", NULL, fork_cb,
      "*fork() called from an RCU callback*" },
    { "sync-from-callback", NULL, sync_cb,
      "*synchronize_rcu called from an RCU callback*" },
    { "drain-in-section", misuse_drain_in_section, NULL,
      "*drain_call_rcu called inside an RCU read-side critical section*" },
};

static void test_misuse(gconstpointer opaque)
{
    const Misuse *m = opaque;

    if (g_test_subprocess()) {
        static struct rcu_head head;

        if (m->cb) {
            call_rcu1(&head, m->cb);
            drain_call_rcu();
        } else {
            m->fn();
        }
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr(m->message);
}

int main(int argc, char **argv)
{
    qemu_thread_get_self(&main_thread);
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/call-rcu/order", test_order);
    g_test_add_func("/call-rcu/rcu-barrier", test_rcu_barrier);
    g_test_add_func("/call-rcu/batch-delay", test_batch_delay);
    g_test_add_func("/call-rcu/stats", test_stats);
    g_test_add_func("/call-rcu/g-free-rcu", test_g_free_rcu);
    g_test_add_func("/call-rcu/waits-for-readers", test_waits_for_readers);
    g_test_add_func("/call-rcu/drain-with-bql", test_drain_with_bql);
    g_test_add_func("/call-rcu/drain-online", test_drain_online);
    g_test_add_func("/call-rcu/chain", test_chain);
    g_test_add_func("/call-rcu/many-producers", test_many_producers);
    g_test_add_func("/call-rcu/force-rcu", test_force_rcu);
    g_test_add_func("/call-rcu/fork", test_fork);
    g_test_add_func("/call-rcu/fork-with-bql", test_fork_with_bql);
    g_test_add_func("/call-rcu/fork-taken", test_fork_taken);
    for (int i = 0; i < ARRAY_SIZE(misuses); i++) {
        char *path = g_strdup_printf("/call-rcu/misuse/%s", misuses[i].name);

        g_test_add_data_func(path, &misuses[i], test_misuse);
        g_free(path);
    }
    return g_test_run();
}
