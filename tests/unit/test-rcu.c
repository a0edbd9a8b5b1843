/*
 * The RCU core (include/qemu/rcu.h): grace periods wait for every kind of
 * reader and for nothing else, the guards, registration cycles, threads
 * that exit registered, fork, and the messages for misuse.
 *
 * meson also runs this with GRACE_RCU_MEMBARRIER=0 (readers use smp_mb
 * instead of relying on membarrier), against util/rcu.c built with
 * RCU_FORCE_TWO_PHASE (the 32-bit hosts' counter), and against util/rcu.c
 * built with RCU_TEST_HOOKS, which lets the tests under #ifdef
 * RCU_TEST_HOOKS widen races.
 */
#include "qemu/osdep.h"
#include "qemu/rcu.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include <math.h>
#include <sys/wait.h>

/*
 * Sections the thread is in, plus one while it is online (outside debug
 * builds, an online thread's sections are not counted).
 */
static unsigned nest_count(void)
{
    struct rcu_reader_data *p = get_ptr_rcu_reader();

    if (p->online) {
        return 1 + p->nest - RCU_NEST_ONLINE;
    }
    return p->ctr ? 1 + p->nest : 0;
}

static void test_nesting(void)
{
    g_assert_cmpuint(nest_count(), ==, 0);
    rcu_read_lock();
    g_assert_cmpuint(nest_count(), ==, 1);
    rcu_read_lock();
    rcu_read_lock();
    g_assert_cmpuint(nest_count(), ==, 3);
    rcu_read_unlock();
    rcu_read_unlock();
    g_assert_cmpuint(nest_count(), ==, 1);
    rcu_read_unlock();
    g_assert_cmpuint(nest_count(), ==, 0);
    g_assert_cmpuint(get_ptr_rcu_reader()->ctr, ==, 0);
}

/*
 * A reader of some kind holds a section open until told to leave it; a
 * second thread runs synchronize_rcu meanwhile.  The grace period must not
 * end before the reader has left.
 */
typedef enum ReaderKind {
    READER_SECTION,         /* rcu_read_lock ... rcu_read_unlock */
    READER_NESTED,          /* the inner section ends first */
    READER_QSBR,            /* online ... rcu_quiescent_state */
    READER_QSBR_OFFLINE,    /* online ... rcu_thread_offline */
    READER_QSBR_SECTION,    /* online, inside rcu_read_lock */
} ReaderKind;

typedef struct Holdup {
    ReaderKind kind;
    bool unregistered_updater;  /* as QEMU's and liburcu's tests do */
    QemuSemaphore inside;   /* the reader is in its section */
    QemuSemaphore leave;    /* the reader may leave */
    int reader_left;
    int gp_done;
    int left_when_gp_done;
} Holdup;

static void *holdup_reader(void *opaque)
{
    Holdup *h = opaque;

    rcu_register_thread();
    switch (h->kind) {
    case READER_SECTION:
        rcu_read_lock();
        break;
    case READER_NESTED:
        rcu_read_lock();
        rcu_read_lock();
        rcu_read_unlock();
        break;
    case READER_QSBR:
    case READER_QSBR_OFFLINE:
        rcu_thread_online();
        break;
    case READER_QSBR_SECTION:
        rcu_thread_online();
        rcu_read_lock();
        break;
    }
    qemu_sem_post(&h->inside);
    qemu_sem_wait(&h->leave);

    /* reader_left goes up just before the real quiescent point. */
    switch (h->kind) {
    case READER_SECTION:
    case READER_NESTED:
        qatomic_set(&h->reader_left, 1);
        rcu_read_unlock();
        break;
    case READER_QSBR:
        qatomic_set(&h->reader_left, 1);
        rcu_quiescent_state();
        rcu_thread_offline();
        break;
    case READER_QSBR_OFFLINE:
        qatomic_set(&h->reader_left, 1);
        rcu_thread_offline();
        break;
    case READER_QSBR_SECTION:
        /* Leaving the inner section is not a quiescent state... */
        rcu_read_unlock();
        g_usleep(20 * 1000);
        /* ...this is. */
        qatomic_set(&h->reader_left, 1);
        rcu_thread_offline();
        break;
    }
    rcu_unregister_thread();
    return NULL;
}

static void *holdup_updater(void *opaque)
{
    Holdup *h = opaque;

    if (!h->unregistered_updater) {
        rcu_register_thread();
    }
    synchronize_rcu();
    qatomic_set(&h->left_when_gp_done, qatomic_read(&h->reader_left));
    qatomic_set(&h->gp_done, 1);
    if (!h->unregistered_updater) {
        rcu_unregister_thread();
    }
    return NULL;
}

static void run_holdup(ReaderKind kind, bool unregistered_updater)
{
    Holdup h = { .kind = kind, .unregistered_updater = unregistered_updater };
    QemuThread reader, updater;

    qemu_sem_init(&h.inside, 0);
    qemu_sem_init(&h.leave, 0);
    qemu_thread_create(&reader, "rcu-holdup-r", holdup_reader, &h,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&h.inside);
    qemu_thread_create(&updater, "rcu-holdup-u", holdup_updater, &h,
                       QEMU_THREAD_JOINABLE);

    /* The grace period has had time to end, if it were going to. */
    g_usleep(50 * 1000);
    g_assert_cmpint(qatomic_read(&h.gp_done), ==, 0);

    qemu_sem_post(&h.leave);
    qemu_thread_join(&updater);
    qemu_thread_join(&reader);
    g_assert_cmpint(h.gp_done, ==, 1);
    g_assert_cmpint(h.left_when_gp_done, ==, 1);
    qemu_sem_destroy(&h.inside);
    qemu_sem_destroy(&h.leave);
}

static void test_holdup_section(void)
{
    run_holdup(READER_SECTION, false);
}

static void test_holdup_nested(void)
{
    run_holdup(READER_NESTED, false);
}

static void test_holdup_qsbr(void)
{
    run_holdup(READER_QSBR, false);
}

static void test_holdup_qsbr_offline(void)
{
    run_holdup(READER_QSBR_OFFLINE, false);
}

static void test_holdup_qsbr_section(void)
{
    run_holdup(READER_QSBR_SECTION, false);
}

/* A thread that never registered may wait for a grace period. */
static void test_holdup_unregistered(void)
{
    run_holdup(READER_SECTION, true);
    run_holdup(READER_QSBR, true);
}

/*
 * Polling: a handle taken before a grace period is over after it; one
 * taken while a reader holds a section is not over until it leaves, and
 * then is, without anyone calling synchronize_rcu.
 */
static bool poll_until(struct urcu_gp_poll_state state)
{
    for (int i = 0; i < 10 * 1000; i++) {
        if (poll_state_synchronize_rcu(state)) {
            return true;
        }
        g_usleep(1000);
    }
    return false;
}

static void *poll_holdup(void *opaque)
{
    QemuSemaphore *sems = opaque;

    rcu_register_thread();
    rcu_read_lock();
    qemu_sem_post(&sems[0]);
    qemu_sem_wait(&sems[1]);
    rcu_read_unlock();
    rcu_unregister_thread();
    return NULL;
}

static void test_poll(void)
{
    struct urcu_gp_poll_state a, b, c;
    QemuSemaphore sems[2];
    QemuThread reader;

    a = start_poll_synchronize_rcu();
    synchronize_rcu();
    g_assert_true(poll_state_synchronize_rcu(a));

    qemu_sem_init(&sems[0], 0);
    qemu_sem_init(&sems[1], 0);
    qemu_thread_create(&reader, "rcu-poll", poll_holdup, sems,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&sems[0]);
    b = start_poll_synchronize_rcu();
    c = start_poll_synchronize_rcu();
    /* Time enough for a grace period to end, if it were going to. */
    g_usleep(50 * 1000);
    g_assert_false(poll_state_synchronize_rcu(b));
    g_assert_false(poll_state_synchronize_rcu(c));
    /* Handles taken inside a section are fine too. */
    rcu_read_lock();
    a = start_poll_synchronize_rcu();
    g_assert_false(poll_state_synchronize_rcu(a));
    rcu_read_unlock();

    qemu_sem_post(&sems[1]);
    g_assert_true(poll_until(b));
    g_assert_true(poll_until(c));
    g_assert_true(poll_until(a));
    qemu_thread_join(&reader);
    qemu_sem_destroy(&sems[0]);
    qemu_sem_destroy(&sems[1]);
}

/* Offline QSBR threads and idle registered threads hold nothing up. */
static void *idle_reader(void *opaque)
{
    QemuSemaphore *sems = opaque;

    rcu_register_thread();
    rcu_thread_online();
    rcu_thread_offline();
    qemu_sem_post(&sems[0]);
    qemu_sem_wait(&sems[1]);
    rcu_unregister_thread();
    return NULL;
}

static void test_idle_readers(void)
{
    QemuSemaphore sems[2];
    QemuThread threads[4];

    qemu_sem_init(&sems[0], 0);
    qemu_sem_init(&sems[1], 0);
    for (int i = 0; i < 4; i++) {
        qemu_thread_create(&threads[i], "rcu-idle", idle_reader, sems,
                           QEMU_THREAD_JOINABLE);
        qemu_sem_wait(&sems[0]);
    }
    for (int i = 0; i < 100; i++) {
        synchronize_rcu();
    }
    for (int i = 0; i < 4; i++) {
        qemu_sem_post(&sems[1]);
    }
    for (int i = 0; i < 4; i++) {
        qemu_thread_join(&threads[i]);
    }
    qemu_sem_destroy(&sems[0]);
    qemu_sem_destroy(&sems[1]);
}

/* An online thread may call synchronize_rcu: it does not wait for itself. */
static void test_online_caller(void)
{
    unsigned long ctr;

    rcu_thread_online();
    synchronize_rcu();
    g_assert_true(get_ptr_rcu_reader()->online);
    g_assert_cmpuint(nest_count(), ==, 1);
    ctr = get_ptr_rcu_reader()->ctr;
    g_assert_cmpuint(ctr, !=, 0);
    /* Sections of an online thread are counted in debug builds only. */
    rcu_read_lock();
    g_assert_true(rcu_read_ongoing());
    rcu_read_unlock();
    g_assert_true(rcu_read_ongoing());
    g_assert_cmpuint(nest_count(), ==, 1);
    g_assert_cmpuint(get_ptr_rcu_reader()->ctr, ==, ctr);
    rcu_quiescent_state();
    rcu_thread_offline();
    g_assert_cmpuint(get_ptr_rcu_reader()->ctr, ==, 0);
}

/*
 * Concurrent callers of synchronize_rcu, with readers that keep checking
 * that the object they hold has not been retired.
 */
typedef struct Shared {
    int value;
    int retired;
} Shared;

static Shared *shared_ptr;
static int concurrent_stop;
static long concurrent_errors;

static void *concurrent_reader(void *opaque)
{
    bool qsbr = (uintptr_t)opaque;

    rcu_register_thread();
    if (qsbr) {
        rcu_thread_online();
    }
    while (!qatomic_read(&concurrent_stop)) {
        Shared *s;

        if (!qsbr) {
            rcu_read_lock();
        }
        s = qatomic_rcu_read(&shared_ptr);
        for (int i = 0; i < 100; i++) {
            if (qatomic_read(&s->retired)) {
                qatomic_inc(&concurrent_errors);
            }
        }
        if (qsbr) {
            rcu_quiescent_state();
        } else {
            rcu_read_unlock();
        }
    }
    if (qsbr) {
        rcu_thread_offline();
    }
    rcu_unregister_thread();
    return NULL;
}

static void *concurrent_updater(void *opaque)
{
    QemuMutex *lock = opaque;
    int rounds = g_test_quick() ? 300 : 10000;

    rcu_register_thread();
    for (int i = 0; i < rounds; i++) {
        Shared *new = g_new0(Shared, 1), *old;

        qemu_mutex_lock(lock);
        old = shared_ptr;
        new->value = old->value + 1;
        qatomic_rcu_set(&shared_ptr, new);
        qemu_mutex_unlock(lock);

        synchronize_rcu();
        /* No reader can hold old any more. */
        qatomic_set(&old->retired, 1);
        synchronize_rcu();
        g_free(old);
    }
    rcu_unregister_thread();
    return NULL;
}

static void test_concurrent_updaters(void)
{
    QemuThread readers[2], updaters[3];
    QemuMutex lock;

    qemu_mutex_init(&lock);
    shared_ptr = g_new0(Shared, 1);
    concurrent_stop = 0;
    concurrent_errors = 0;
    for (int i = 0; i < 2; i++) {
        qemu_thread_create(&readers[i], "rcu-reader", concurrent_reader,
                           (void *)(uintptr_t)i, QEMU_THREAD_JOINABLE);
    }
    for (int i = 0; i < 3; i++) {
        qemu_thread_create(&updaters[i], "rcu-updater", concurrent_updater,
                           &lock, QEMU_THREAD_JOINABLE);
    }
    for (int i = 0; i < 3; i++) {
        qemu_thread_join(&updaters[i]);
    }
    qatomic_set(&concurrent_stop, 1);
    for (int i = 0; i < 2; i++) {
        qemu_thread_join(&readers[i]);
    }
    g_assert_cmpint(concurrent_errors, ==, 0);
    g_assert_cmpint(shared_ptr->value, ==, 3 * (g_test_quick() ? 300 : 10000));
    g_free(shared_ptr);
    qemu_mutex_destroy(&lock);
}

/* The guards unlock on every way out of their scope. */
static int guarded_early_return(bool early)
{
    RCU_READ_LOCK_GUARD();

    g_assert_cmpuint(nest_count(), ==, 1);
    if (early) {
        return 1;
    }
    rcu_read_lock();
    rcu_read_unlock();
    return 2;
}

static void test_guards(void)
{
    int n = 0;

    g_assert_cmpint(guarded_early_return(true), ==, 1);
    g_assert_cmpuint(nest_count(), ==, 0);
    g_assert_cmpint(guarded_early_return(false), ==, 2);
    g_assert_cmpuint(nest_count(), ==, 0);

    WITH_RCU_READ_LOCK_GUARD() {
        g_assert_cmpuint(nest_count(), ==, 1);
        n++;
    }
    g_assert_cmpuint(nest_count(), ==, 0);
    for (int i = 0; i < 3; i++) {
        WITH_RCU_READ_LOCK_GUARD() {
            if (i == 1) {
                break;              /* leaves the guard's block only */
            }
            n++;
        }
    }
    g_assert_cmpuint(nest_count(), ==, 0);
    g_assert_cmpint(n, ==, 3);
}

/* QEMU's g_autoptr guard. */
static int auto_guarded(bool early)
{
    g_autoptr(RCUReadAuto) guard G_GNUC_UNUSED = rcu_read_auto_lock();

    g_assert_cmpuint(nest_count(), ==, 1);
    if (early) {
        return 1;
    }
    return 2;
}

static void test_auto_guard(void)
{
    g_assert_cmpint(auto_guarded(true), ==, 1);
    g_assert_cmpuint(nest_count(), ==, 0);
    g_assert_cmpint(auto_guarded(false), ==, 2);
    g_assert_cmpuint(nest_count(), ==, 0);
}

/* liburcu's names. */
static void test_read_ongoing(void)
{
    g_assert_false(rcu_read_ongoing());
    rcu_read_lock();
    g_assert_true(rcu_read_ongoing());
    rcu_read_lock();
    rcu_read_unlock();
    g_assert_true(rcu_read_ongoing());
    rcu_read_unlock();
    g_assert_false(rcu_read_ongoing());

    /* An online QSBR thread is a reader all the time. */
    rcu_thread_online();
    g_assert_true(rcu_read_ongoing());
    rcu_quiescent_state();
    g_assert_true(rcu_read_ongoing());
    rcu_thread_offline();
    g_assert_false(rcu_read_ongoing());
}

static void test_pointer_ops(void)
{
    int a = 1, b = 2, c = 3;
    int *p = NULL, *old;

    rcu_set_pointer(&p, &a);
    g_assert_true(p == &a);
    old = rcu_xchg_pointer(&p, &b);
    g_assert_true(old == &a && p == &b);
    /* Fails: p is not &a. */
    old = rcu_cmpxchg_pointer(&p, &a, &c);
    g_assert_true(old == &b && p == &b);
    old = rcu_cmpxchg_pointer(&p, &b, &c);
    g_assert_true(old == &b && p == &c);
    g_assert_true(rcu_dereference(p) == &c);
    rcu_assign_pointer(p, &a);
    g_assert_true(p == &a);
}

/* rcu_assert evaluates its argument in debug builds only. */
static void test_rcu_assert(void)
{
    int evaluated = 0;

    rcu_assert(++evaluated == 1);
#ifdef CONFIG_DEBUG
    g_assert_cmpint(evaluated, ==, 1);
    if (g_test_subprocess()) {
        rcu_assert(evaluated == 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
#else
    g_assert_cmpint(evaluated, ==, 0);
#endif
}

/*
 * Registration cycles, on one thread and on many short-lived ones, while
 * another thread runs a fixed number of grace periods back to back.  The
 * cycles go on until the grace periods are over, so the two overlap.
 */
#define CYCLES_GPS 200

static int cycles_gps_done;

static void *cycles_updater(void *opaque)
{
    rcu_register_thread();
    for (int i = 0; i < CYCLES_GPS; i++) {
        synchronize_rcu();
    }
    qatomic_set(&cycles_gps_done, 1);
    rcu_unregister_thread();
    return NULL;
}

static void *short_lived(void *opaque)
{
    rcu_register_thread();
    rcu_read_lock();
    rcu_read_unlock();
    rcu_thread_online();
    rcu_quiescent_state();
    rcu_unregister_thread();        /* online: goes offline first */
    return NULL;
}

static void *cycling_thread(void *opaque)
{
    long min_cycles = g_test_quick() ? 5000 : 100000;
    long *cycles = opaque;

    while (*cycles < min_cycles || !qatomic_read(&cycles_gps_done)) {
        rcu_register_thread();
        rcu_read_lock();
        rcu_read_unlock();
        rcu_unregister_thread();
        (*cycles)++;
    }
    return NULL;
}

static void test_register_cycles(void)
{
    long min_threads = g_test_quick() ? 100 : 2000;
    long cycles = 0, threads = 0;
    QemuThread updater, cycler, t;

    cycles_gps_done = 0;
    qemu_thread_create(&updater, "rcu-updater", cycles_updater, NULL,
                       QEMU_THREAD_JOINABLE);
    qemu_thread_create(&cycler, "rcu-cycles", cycling_thread, &cycles,
                       QEMU_THREAD_JOINABLE);
    while (threads < min_threads || !qatomic_read(&cycles_gps_done)) {
        qemu_thread_create(&t, "rcu-short", short_lived, NULL,
                           QEMU_THREAD_JOINABLE);
        qemu_thread_join(&t);
        threads++;
    }
    qemu_thread_join(&updater);
    qemu_thread_join(&cycler);
    g_test_message("%ld cycles on one thread and %ld short-lived threads "
                   "during %d grace periods", cycles, threads, CYCLES_GPS);
    /* Nothing left behind in the registry holds up a grace period. */
    synchronize_rcu();
}

/*
 * A thread that exits online without unregistering would hold up every
 * grace period forever if it stayed in the registry.
 */
static void *exits_online(void *opaque)
{
    rcu_register_thread();
    rcu_thread_online();
    return NULL;
}

static void test_exit_registered(void)
{
    QemuThread t;

    qemu_thread_create(&t, "rcu-exits", exits_online, NULL,
                       QEMU_THREAD_JOINABLE);
    qemu_thread_join(&t);
    synchronize_rcu();
}

/*
 * fork: a parent thread is online and never reports a quiescent state;
 * the child must still complete grace periods, and register new threads.
 */
static void *stuck_online(void *opaque)
{
    QemuSemaphore *sems = opaque;

    rcu_register_thread();
    rcu_thread_online();
    qemu_sem_post(&sems[0]);
    qemu_sem_wait(&sems[1]);
    rcu_thread_offline();
    rcu_unregister_thread();
    return NULL;
}

#ifndef QEMU_SANITIZE_THREAD
static void *child_thread(void *opaque)
{
    rcu_register_thread();
    rcu_read_lock();
    rcu_read_unlock();
    synchronize_rcu();
    rcu_unregister_thread();
    return NULL;
}
#endif

static void test_fork(void)
{
    QemuSemaphore sems[2];
    QemuThread stuck;
    int status;
    pid_t pid;

    qemu_sem_init(&sems[0], 0);
    qemu_sem_init(&sems[1], 0);
    qemu_thread_create(&stuck, "rcu-stuck", stuck_online, sems,
                       QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&sems[0]);

    /* The forking thread may be online; it must not be in a section. */
    rcu_thread_online();
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        alarm(30);                  /* a hang becomes a failure */
        rcu_thread_offline();
        synchronize_rcu();
#ifndef QEMU_SANITIZE_THREAD
        /* ThreadSanitizer cannot start threads in a forked child. */
        {
            QemuThread t;

            qemu_thread_create(&t, "rcu-child", child_thread, NULL,
                               QEMU_THREAD_JOINABLE);
            qemu_thread_join(&t);
            synchronize_rcu();
        }
#endif
        _exit(0);
    }
    g_assert_true(get_ptr_rcu_reader()->online);
    rcu_thread_offline();
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);

    qemu_sem_post(&sems[1]);
    qemu_thread_join(&stuck);
    synchronize_rcu();
    qemu_sem_destroy(&sems[0]);
    qemu_sem_destroy(&sems[1]);
}

/*
 * fork() with a lock held, from a process with no other thread: the
 * prepare handler takes the RCU locks inside that lock, and the child
 * must then be able to take them (a grace period) and the lock again.
 * The child handler releases the RCU locks; when it made new ones
 * instead, ThreadSanitizer (which keeps checking the child of a process
 * with one thread) believed them held for good, so that taking the lock
 * again looked like the opposite order, and reported an inversion.  The test runs in a new process, where no other
 * test has started a thread.
 */
static void test_fork_lock_order(void)
{
    if (g_test_subprocess()) {
        QemuMutex m;
        int status;
        pid_t pid;

        qemu_mutex_init(&m);
        qemu_mutex_lock(&m);
        pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
            alarm(30);
            qemu_mutex_unlock(&m);
            synchronize_rcu();
            qemu_mutex_lock(&m);
            qemu_mutex_unlock(&m);
            _exit(0);
        }
        qemu_mutex_unlock(&m);
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
}

#ifdef RCU_TEST_HOOKS
/*
 * A late wake-up must not stop a grace period from kicking its readers.
 *
 * Grace period 1 sleeps on reader R.  R leaves its section, counts itself
 * off and is held (by the test hook) before it sets the event, so grace
 * period 1 ends without that set.  Grace period 2 then sleeps on S, an
 * online QSBR thread that reports a quiescent state only when its
 * force-RCU notifier kicks it, and R's set lands only once grace period 2
 * is asleep.  Grace period 2 must still kick S and end.
 */
extern void (*rcu_test_hook_before_gp_set)(void);

typedef struct LateSet {
    QemuSemaphore r_inside, r_leave, r_held, r_go;
    QemuSemaphore s_online, gp2_done;
    struct rcu_reader_data *r_reader, *s_reader;
    Notifier force;
    int kicked, kicks, s_stop;
} LateSet;

static LateSet late;
static __thread bool late_hold_my_set;

static void late_hook(void)
{
    if (late_hold_my_set) {
        late_hold_my_set = false;
        qemu_sem_post(&late.r_held);
        qemu_sem_wait(&late.r_go);
    }
}

static void *late_r(void *opaque)
{
    rcu_register_thread();
    qatomic_set(&late.r_reader, get_ptr_rcu_reader());
    rcu_read_lock();
    qemu_sem_post(&late.r_inside);
    qemu_sem_wait(&late.r_leave);
    late_hold_my_set = true;
    rcu_read_unlock();          /* the last of grace period 1's readers */
    rcu_unregister_thread();
    return NULL;
}

static void late_kick(Notifier *n, void *data)
{
    qatomic_inc(&late.kicks);
    qatomic_set(&late.kicked, 1);
}

static void *late_s(void *opaque)
{
    rcu_register_thread();
    late.force.notify = late_kick;
    rcu_add_force_rcu_notifier(&late.force);
    rcu_thread_online();
    qatomic_set(&late.s_reader, get_ptr_rcu_reader());
    qemu_sem_post(&late.s_online);
    while (!qatomic_read(&late.s_stop)) {
        if (qatomic_xchg(&late.kicked, 0)) {
            rcu_quiescent_state();
        }
    }
    rcu_thread_offline();
    rcu_remove_force_rcu_notifier(&late.force);
    rcu_unregister_thread();
    return NULL;
}

static void *late_gp(void *opaque)
{
    QemuSemaphore *done = opaque;

    synchronize_rcu();
    if (done) {
        qemu_sem_post(done);
    }
    return NULL;
}

static void wait_for_flag(struct rcu_reader_data *p)
{
    while (!qatomic_read(&p->waiting)) {
        g_usleep(100);
    }
}

static void test_late_set(void)
{
    QemuThread r, s, gp1, gp2;
    bool gp2_ended;

    memset(&late, 0, sizeof(late));
    qemu_sem_init(&late.r_inside, 0);
    qemu_sem_init(&late.r_leave, 0);
    qemu_sem_init(&late.r_held, 0);
    qemu_sem_init(&late.r_go, 0);
    qemu_sem_init(&late.s_online, 0);
    qemu_sem_init(&late.gp2_done, 0);
    rcu_test_hook_before_gp_set = late_hook;

    /* Grace period 1 sleeps on R; R leaves and is held before its set. */
    qemu_thread_create(&r, "rcu-late-r", late_r, NULL, QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&late.r_inside);
    qemu_thread_create(&gp1, "rcu-late-gp1", late_gp, NULL,
                       QEMU_THREAD_JOINABLE);
    wait_for_flag(qatomic_read(&late.r_reader));
    qemu_sem_post(&late.r_leave);
    qemu_sem_wait(&late.r_held);
    qemu_thread_join(&gp1);

    /* Grace period 2 sleeps on S; then R's set lands. */
    qemu_thread_create(&s, "rcu-late-s", late_s, NULL, QEMU_THREAD_JOINABLE);
    qemu_sem_wait(&late.s_online);
    qemu_thread_create(&gp2, "rcu-late-gp2", late_gp, &late.gp2_done,
                       QEMU_THREAD_JOINABLE);
    wait_for_flag(late.s_reader);
    qemu_sem_post(&late.r_go);
    qemu_thread_join(&r);

    /* A kick comes within milliseconds; ten seconds means never. */
    gp2_ended = qemu_sem_timedwait(&late.gp2_done, 10 * 1000) == 0;
    qatomic_set(&late.s_stop, 1);           /* unsticks a broken build */
    qemu_thread_join(&s);
    qemu_thread_join(&gp2);
    rcu_test_hook_before_gp_set = NULL;
    g_assert_true(gp2_ended);
    g_assert_cmpint(late.kicks, >, 0);

    qemu_sem_destroy(&late.r_inside);
    qemu_sem_destroy(&late.r_leave);
    qemu_sem_destroy(&late.r_held);
    qemu_sem_destroy(&late.r_go);
    qemu_sem_destroy(&late.s_online);
    qemu_sem_destroy(&late.gp2_done);
}
#endif

/*
 * Two threads fork at the same time, over and over: one online, one
 * offline.  Each must come back from fork, in the parent and in the
 * child, in the state it forked in.
 */
#define FORKS_EACH 200

typedef struct ForkRacer {
    bool online;
    int *go;
    int wrong;              /* forks after which the state was wrong */
    int children_wrong;     /* children that found it wrong */
} ForkRacer;

static void *fork_racer(void *opaque)
{
    ForkRacer *f = opaque;

    rcu_register_thread();
    if (f->online) {
        rcu_thread_online();
    }
    qatomic_inc(f->go);
    while (qatomic_read(f->go) < 2) {
        /* start together */
    }
    for (int i = 0; i < FORKS_EACH; i++) {
        int status;
        pid_t pid = fork();

        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
            _exit(get_ptr_rcu_reader()->online == f->online ? 0 : 1);
        }
        if (get_ptr_rcu_reader()->online != f->online) {
            f->wrong++;
            /* Put it right, so that the next fork tests afresh. */
            if (f->online) {
                rcu_thread_online();
            } else {
                rcu_thread_offline();
            }
        }
        g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
        g_assert_true(WIFEXITED(status));
        f->children_wrong += WEXITSTATUS(status) != 0;
    }
    if (f->online) {
        rcu_thread_offline();
    }
    rcu_unregister_thread();
    return NULL;
}

static void test_fork_concurrent(void)
{
    int go = 0;
    ForkRacer racers[2] = {
        { .online = true, .go = &go },
        { .online = false, .go = &go },
    };
    QemuThread threads[2];

    for (int i = 0; i < 2; i++) {
        qemu_thread_create(&threads[i], "rcu-forker", fork_racer, &racers[i],
                           QEMU_THREAD_JOINABLE);
    }
    for (int i = 0; i < 2; i++) {
        qemu_thread_join(&threads[i]);
        g_test_message("%s thread: wrong state after %d of %d forks, in %d "
                       "children", racers[i].online ? "online" : "offline",
                       racers[i].wrong, FORKS_EACH,
                       racers[i].children_wrong);
    }
    for (int i = 0; i < 2; i++) {
        g_assert_cmpint(racers[i].wrong, ==, 0);
        g_assert_cmpint(racers[i].children_wrong, ==, 0);
    }
    synchronize_rcu();
}

/*
 * Statistics: registered, online and in-section readers are counted; a
 * grace period that waits shows its age, and once it is over the reader
 * it waited for is the last holdout.
 */
typedef struct StatsReader {
    QemuSemaphore inside, leave;
    bool online;
} StatsReader;

static void *stats_reader(void *opaque)
{
    StatsReader *r = opaque;

    rcu_register_thread();
    if (r->online) {
        rcu_thread_online();
    } else {
        rcu_read_lock();
    }
    qemu_sem_post(&r->inside);
    qemu_sem_wait(&r->leave);
    if (r->online) {
        rcu_thread_offline();
    } else {
        rcu_read_unlock();
    }
    rcu_unregister_thread();
    return NULL;
}

static void *stats_gp(void *opaque)
{
    synchronize_rcu();
    return NULL;
}

static void test_stats(void)
{
    StatsReader r[2] = { { .online = false }, { .online = true } };
    QemuThread t[2], gp;
    RcuStats before, during, after;

    /* No grace period but ours while this runs (the polling API's). */
    drain_call_rcu();
    rcu_get_stats(&before);
    g_assert_cmpint(before.readers, >=, 1);     /* this thread */
    g_assert_cmpint(before.gp_age_us, ==, -1);
    for (int i = 0; i < 2; i++) {
        qemu_sem_init(&r[i].inside, 0);
        qemu_sem_init(&r[i].leave, 0);
        qemu_thread_create(&t[i], i ? "rcu-stats-on" : "rcu-stats-sec",
                           stats_reader, &r[i], QEMU_THREAD_JOINABLE);
        qemu_sem_wait(&r[i].inside);
    }
    qemu_thread_create(&gp, "rcu-stats-gp", stats_gp, NULL,
                       QEMU_THREAD_JOINABLE);
    do {
        g_usleep(1000);
        rcu_get_stats(&during);
    } while (during.gp_age_us < 0);
    g_assert_cmpint(during.readers, ==, before.readers + 2);
    g_assert_cmpint(during.readers_online, ==, before.readers_online + 1);
    g_assert_cmpint(during.readers_in_section, ==,
                    before.readers_in_section + 1);

    /* The online one leaves last: it is the holdout. */
    qemu_sem_post(&r[0].leave);
    qemu_thread_join(&t[0]);
    g_usleep(10 * 1000);
    qemu_sem_post(&r[1].leave);
    qemu_thread_join(&t[1]);
    qemu_thread_join(&gp);

    rcu_get_stats(&after);
    g_assert_cmpint(after.gp_age_us, ==, -1);
    g_assert_cmpint(after.readers, ==, before.readers);
    g_assert_cmpuint(after.gp_completed, >, before.gp_completed);
    g_assert_cmpuint(after.gp_waited, >, before.gp_waited);
    g_assert_cmpstr(after.holdout, ==, "rcu-stats-on");
    g_assert_cmpint(after.holdout_tid, >, 0);
    g_assert_cmpint(after.holdout_us, >=, 10 * 1000);
    for (int i = 0; i < 2; i++) {
        qemu_sem_destroy(&r[i].inside);
        qemu_sem_destroy(&r[i].leave);
    }
}

/*
 * Stall warnings: a grace period held up for 450 ms with a 100 ms
 * threshold names both holdouts, once at 100 ms and then at doubling
 * intervals: at most 1 + log2(elapsed / 100 ms) times, however slow the
 * host.
 */
static void test_stall_warning(void)
{
    if (g_test_subprocess()) {
        StatsReader r[2] = { { .online = false }, { .online = true } };
        QemuThread t[2], gp;
        RcuStats st;
        int64_t start;

        rcu_set_stall_timeout(100);
        for (int i = 0; i < 2; i++) {
            qemu_sem_init(&r[i].inside, 0);
            qemu_sem_init(&r[i].leave, 0);
            qemu_thread_create(&t[i], i ? "rcu-stuck-on" : "rcu-stuck-sec",
                               stats_reader, &r[i], QEMU_THREAD_JOINABLE);
            qemu_sem_wait(&r[i].inside);
        }
        start = g_get_monotonic_time();
        qemu_thread_create(&gp, "rcu-stall-gp", stats_gp, NULL,
                           QEMU_THREAD_JOINABLE);
        g_usleep(450 * 1000);
        for (int i = 0; i < 2; i++) {
            qemu_sem_post(&r[i].leave);
            qemu_thread_join(&t[i]);
        }
        qemu_thread_join(&gp);
        rcu_get_stats(&st);
        g_assert_cmpuint(st.stall_warnings, >=, 1);
        g_assert_cmpuint(st.stall_warnings, <=,
                         1 + log2((g_get_monotonic_time() - start) / 1e5));
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*warning: RCU grace period stalled for 0.1*"
                              "(rcu-stuck-sec): inside a read-side critical "
                              "section*");
    g_test_trap_assert_stderr("*warning: RCU grace period stalled for 0.1*"
                              "(rcu-stuck-on): online, and no quiescent state "
                              "since it started*");
}

/* Below the threshold, or with warnings off, nothing is logged. */
static void test_no_stall_warning(void)
{
    if (g_test_subprocess()) {
        StatsReader r = { .online = false };
        QemuThread t, gp;
        RcuStats st;

        qemu_sem_init(&r.inside, 0);
        qemu_sem_init(&r.leave, 0);
        rcu_set_stall_timeout(0);
        qemu_thread_create(&t, "rcu-stuck", stats_reader, &r,
                           QEMU_THREAD_JOINABLE);
        qemu_sem_wait(&r.inside);
        qemu_thread_create(&gp, "rcu-stall-gp", stats_gp, NULL,
                           QEMU_THREAD_JOINABLE);
        g_usleep(200 * 1000);
        qemu_sem_post(&r.leave);
        qemu_thread_join(&t);
        qemu_thread_join(&gp);
        rcu_get_stats(&st);
        g_assert_cmpuint(st.stall_warnings, ==, 0);
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr_unmatched("*stalled*");
}

/*
 * Misuse, each in a subprocess that must die with the message.  Some
 * checks sit on the inline fast path and exist in debug builds only.
 */
typedef struct Misuse {
    const char *name;
    void (*fn)(void);
    const char *message;
    bool debug_only;
} Misuse;

static void misuse_stray_unlock(void)
{
    rcu_read_lock();
    rcu_read_unlock();
    rcu_read_unlock();
}

static void misuse_sync_in_section(void)
{
    rcu_read_lock();
    synchronize_rcu();
}

static void *unregistered_read(void *opaque)
{
    rcu_read_lock();
    rcu_read_unlock();
    return NULL;
}

static void misuse_read_unregistered(void)
{
    QemuThread t;

    qemu_thread_create(&t, "rcu-unreg", unregistered_read, NULL,
                       QEMU_THREAD_JOINABLE);
    qemu_thread_join(&t);
}

static void misuse_unregister_in_section(void)
{
    rcu_read_lock();
    rcu_unregister_thread();
}

static void misuse_register_twice(void)
{
    rcu_register_thread();      /* the main thread is registered already */
}

static void misuse_quiescent_offline(void)
{
    rcu_quiescent_state();
}

static void misuse_offline_offline(void)
{
    rcu_thread_offline();
}

static void misuse_online_online(void)
{
    rcu_thread_online();
    rcu_thread_online();
}

static void misuse_online_stray_unlock(void)
{
    rcu_thread_online();
    rcu_read_unlock();
}

static void misuse_quiescent_in_section(void)
{
    rcu_thread_online();
    rcu_read_lock();
    rcu_quiescent_state();
}

static const Misuse misuses[] = {
    { "stray-unlock", misuse_stray_unlock,
      "*rcu_read_unlock without a matching rcu_read_lock*", true },
    { "sync-in-section", misuse_sync_in_section,
      "*synchronize_rcu called inside an RCU read-side critical section*",
      false },
    { "unregister-in-section", misuse_unregister_in_section,
      "*rcu_unregister_thread called inside an RCU read-side*", false },
    { "register-twice", misuse_register_twice,
      "*rcu_register_thread called twice*", false },
    { "quiescent-offline", misuse_quiescent_offline,
      "*rcu_quiescent_state called while the thread is offline*", true },
    { "offline-offline", misuse_offline_offline,
      "*rcu_thread_offline called while the thread is offline*", true },
    { "online-online", misuse_online_online,
      "*rcu_thread_online called while the thread is online*", true },
    { "online-stray-unlock", misuse_online_stray_unlock,
      "*rcu_read_unlock without a matching rcu_read_lock*", true },
    { "read-unregistered", misuse_read_unregistered,
      "*rcu_read_lock called by a thread that is not registered*", true },
    { "quiescent-in-section", misuse_quiescent_in_section,
      "*rcu_quiescent_state called inside an RCU read-side critical "
      "section*", true },
};

static void test_misuse(gconstpointer opaque)
{
    const Misuse *m = opaque;

#ifndef CONFIG_DEBUG
    if (m->debug_only) {
        g_test_skip("checked in debug builds (configure --enable-debug)");
        return;
    }
#endif
    if (g_test_subprocess()) {
        m->fn();
        return;
    }
    g_test_trap_subprocess(NULL, 0, 0);
    g_test_trap_assert_failed();
    g_test_trap_assert_stderr(m->message);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rcu/nesting", test_nesting);
    g_test_add_func("/rcu/holdup/section", test_holdup_section);
    g_test_add_func("/rcu/holdup/nested", test_holdup_nested);
    g_test_add_func("/rcu/holdup/qsbr", test_holdup_qsbr);
    g_test_add_func("/rcu/holdup/qsbr-offline", test_holdup_qsbr_offline);
    g_test_add_func("/rcu/holdup/qsbr-section", test_holdup_qsbr_section);
    g_test_add_func("/rcu/holdup/unregistered-updater",
                    test_holdup_unregistered);
    g_test_add_func("/rcu/idle-readers", test_idle_readers);
    g_test_add_func("/rcu/poll", test_poll);
    g_test_add_func("/rcu/online-caller", test_online_caller);
    g_test_add_func("/rcu/concurrent-updaters", test_concurrent_updaters);
    g_test_add_func("/rcu/guards", test_guards);
    g_test_add_func("/rcu/auto-guard", test_auto_guard);
    g_test_add_func("/rcu/read-ongoing", test_read_ongoing);
    g_test_add_func("/rcu/pointer-ops", test_pointer_ops);
    g_test_add_func("/rcu/rcu-assert", test_rcu_assert);
    g_test_add_func("/rcu/register-cycles", test_register_cycles);
    g_test_add_func("/rcu/exit-registered", test_exit_registered);
    g_test_add_func("/rcu/fork", test_fork);
    g_test_add_func("/rcu/fork-lock-order", test_fork_lock_order);
    g_test_add_func("/rcu/fork-concurrent", test_fork_concurrent);
    g_test_add_func("/rcu/stats", test_stats);
    g_test_add_func("/rcu/stall-warning", test_stall_warning);
    g_test_add_func("/rcu/no-stall-warning", test_no_stall_warning);
#ifdef RCU_TEST_HOOKS
    g_test_add_func("/rcu/late-set", test_late_set);
#endif
    for (int i = 0; i < ARRAY_SIZE(misuses); i++) {
        char *path = g_strdup_printf("/rcu/misuse/%s", misuses[i].name);

        g_test_add_data_func(path, &misuses[i], test_misuse);
        g_free(path);
    }
    return g_test_run();
}
