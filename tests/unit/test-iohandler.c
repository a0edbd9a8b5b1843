/*
 * File descriptor handlers on pipes, added and removed from other threads
 * while the main loop runs.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include "qemu/timer.h"
#include "qemu/rcu.h"
#include "qapi/error.h"

typedef struct Pipe {
    int fds[2];
    int reads;          /* bytes consumed by the read handler */
    int writes;         /* calls of the write handler */
} Pipe;

static void pipe_open(Pipe *p)
{
    g_assert_true(g_unix_open_pipe(p->fds, FD_CLOEXEC, NULL));
    qemu_set_nonblock(p->fds[0]);
    qemu_set_nonblock(p->fds[1]);
    p->reads = p->writes = 0;
}

static void pipe_close(Pipe *p)
{
    close(p->fds[0]);
    close(p->fds[1]);
}

static void pipe_read(void *opaque)
{
    Pipe *p = opaque;
    char buf[64];
    ssize_t n;

    while ((n = read(p->fds[0], buf, sizeof(buf))) > 0) {
        qatomic_add(&p->reads, n);
    }
}

static void pipe_write_once(void *opaque)
{
    Pipe *p = opaque;

    qatomic_inc(&p->writes);
    /* A handler may remove itself. */
    qemu_set_fd_handler(p->fds[1], NULL, NULL, NULL);
}

static void write_byte(int fd)
{
    g_assert_cmpint(write(fd, "x", 1), ==, 1);
}

/* Iterate the loop until *counter reaches want, or fail after 10 s. */
static void loop_until(int *counter, int want)
{
    int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 10000;

    while (qatomic_read(counter) < want) {
        g_assert_cmpint(qemu_clock_get_ms(QEMU_CLOCK_REALTIME), <, deadline);
        main_loop_wait(false);
    }
}

static void test_read_handler(void)
{
    Pipe p;

    pipe_open(&p);
    qemu_set_fd_handler(p.fds[0], pipe_read, NULL, &p);
    write_byte(p.fds[1]);
    loop_until(&p.reads, 1);

    /* Removed: data may pile up but the handler never runs again. */
    qemu_set_fd_handler(p.fds[0], NULL, NULL, NULL);
    write_byte(p.fds[1]);
    for (int i = 0; i < 5; i++) {
        main_loop_wait(true);
    }
    g_assert_cmpint(p.reads, ==, 1);
    pipe_close(&p);
}

static void test_write_handler_removes_itself(void)
{
    Pipe p;

    pipe_open(&p);
    qemu_set_fd_handler(p.fds[1], NULL, pipe_write_once, &p);
    loop_until(&p.writes, 1);
    for (int i = 0; i < 5; i++) {
        main_loop_wait(true);
    }
    g_assert_cmpint(p.writes, ==, 1);
    pipe_close(&p);
}

/*
 * A worker thread registers a handler, writes, waits for the main loop to
 * consume the byte, then removes the handler; many rounds.  The main loop
 * blocks in poll between rounds, so each registration must wake it.
 */
typedef struct Remote {
    Pipe p;
    int rounds;
    int done;
    QemuSemaphore consumed;
} Remote;

static void remote_read(void *opaque)
{
    Remote *r = opaque;
    int before = qatomic_read(&r->p.reads);

    pipe_read(&r->p);
    if (qatomic_read(&r->p.reads) != before) {
        qemu_sem_post(&r->consumed);
    }
}

static void *remote_worker(void *arg)
{
    Remote *r = arg;

    for (int i = 0; i < r->rounds; i++) {
        qemu_set_fd_handler(r->p.fds[0], remote_read, NULL, r);
        write_byte(r->p.fds[1]);
        qemu_sem_wait(&r->consumed);
        qemu_set_fd_handler(r->p.fds[0], NULL, NULL, NULL);
    }
    qatomic_set(&r->done, 1);
    qemu_notify_event();
    return NULL;
}

static void test_remote_add_remove(void)
{
    Remote r = { .rounds = g_test_quick() ? 200 : 2000 };
    QemuThread t;
    int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 30000;

    pipe_open(&r.p);
    qemu_sem_init(&r.consumed, 0);
    qemu_thread_create(&t, "ioh-worker", remote_worker, &r,
                       QEMU_THREAD_JOINABLE);
    while (!qatomic_read(&r.done)) {
        g_assert_cmpint(qemu_clock_get_ms(QEMU_CLOCK_REALTIME), <, deadline);
        main_loop_wait(false);
    }
    qemu_thread_join(&t);
    g_assert_cmpint(r.p.reads, ==, r.rounds);
    qemu_sem_destroy(&r.consumed);
    pipe_close(&r.p);
}

/*
 * Several threads churn handlers on their own pipes while the main loop
 * dispatches; each byte written while a handler is registered is either
 * consumed by it or still in the pipe at the end.  Nothing is lost or
 * double-counted, and nothing touches freed records (ASan/TSan builds).
 */
#define CHURNERS 3

static void *churner(void *arg)
{
    Pipe *p = arg;
    int rounds = g_test_quick() ? 300 : 3000;

    for (int i = 0; i < rounds; i++) {
        qemu_set_fd_handler(p->fds[0], pipe_read, NULL, p);
        write_byte(p->fds[1]);
        if (i % 3 == 0) {
            qemu_set_fd_handler(p->fds[0], NULL, NULL, NULL);
        }
    }
    return (void *)(long)rounds;
}

static void test_churn(void)
{
    Pipe p[CHURNERS];
    QemuThread t[CHURNERS];
    int done = 0;
    long written[CHURNERS];

    for (int i = 0; i < CHURNERS; i++) {
        pipe_open(&p[i]);
        qemu_thread_create(&t[i], "ioh-churn", churner, &p[i],
                           QEMU_THREAD_JOINABLE);
    }
    /* Keep dispatching while the churners run. */
    while (done < CHURNERS) {
        main_loop_wait(true);
        done = 0;
        for (int i = 0; i < CHURNERS; i++) {
            done += qatomic_read(&p[i].reads) > 0;
        }
        g_usleep(100);
    }
    for (int i = 0; i < CHURNERS; i++) {
        written[i] = (long)qemu_thread_join(&t[i]);
    }
    /* Drain: register every read end one last time. */
    for (int i = 0; i < CHURNERS; i++) {
        qemu_set_fd_handler(p[i].fds[0], pipe_read, NULL, &p[i]);
    }
    for (int i = 0; i < CHURNERS; i++) {
        loop_until(&p[i].reads, written[i]);
        g_assert_cmpint(p[i].reads, ==, written[i]);
        qemu_set_fd_handler(p[i].fds[0], NULL, NULL, NULL);
        pipe_close(&p[i]);
    }
    main_loop_wait(true);
}

/*
 * A handler removed by another thread while its callback runs: after the
 * removal, a grace period waits for the callback to return.  (The remover
 * waits with synchronize_rcu rather than call_rcu, whose callbacks would
 * wait for the BQL that the main loop holds anyway.)
 */
typedef struct Slow {
    Pipe p;
    QemuSemaphore entered, release;
    bool freed;             /* the grace period after the removal ended */
} Slow;

static void slow_read(void *opaque)
{
    Slow *s = opaque;
    char c;

    g_assert_cmpint(read(s->p.fds[0], &c, 1), ==, 1);
    qemu_sem_post(&s->entered);
    qemu_sem_wait(&s->release);
    /* Give a grace period that wrongly ignores us every chance to end. */
    g_usleep(50 * 1000);
    g_assert_false(qatomic_read(&s->freed));
}

static void *slow_remover(void *arg)
{
    Slow *s = arg;

    rcu_register_thread();
    qemu_sem_wait(&s->entered);
    qemu_set_fd_handler(s->p.fds[0], NULL, NULL, NULL);
    qemu_sem_post(&s->release);
    synchronize_rcu();
    qatomic_set(&s->freed, true);
    rcu_unregister_thread();
    return NULL;
}

static void test_remove_while_running(void)
{
    Slow s = { 0 };
    QemuThread t;

    pipe_open(&s.p);
    qemu_sem_init(&s.entered, 0);
    qemu_sem_init(&s.release, 0);
    qemu_set_fd_handler(s.p.fds[0], slow_read, NULL, &s);
    qemu_thread_create(&t, "ioh-remover", slow_remover, &s,
                       QEMU_THREAD_JOINABLE);
    write_byte(s.p.fds[1]);
    main_loop_wait(false);          /* runs slow_read, and waits in it */
    qemu_thread_join(&t);
    g_assert_true(s.freed);
    qemu_sem_destroy(&s.entered);
    qemu_sem_destroy(&s.release);
    pipe_close(&s.p);
}

/*
 * Torture: threads install, replace and remove handlers on shared pipes
 * while the main loop dispatches and callbacks remove their own handlers.
 * Each handler's state is retired after its removal: a reclaimer thread
 * waits for a grace period (synchronize_rcu, which unlike call_rcu does
 * not wait for the BQL the main loop holds) and then poisons the state
 * and keeps it in a quarantine instead of freeing it, so a callback that
 * runs on retired state sees the poison in any build (and ASan sees the
 * records' own frees).
 */
#define TORTURE_PIPES   8
#define TORTURE_THREADS 2
#define STATE_LIVE      0x1113
#define STATE_DEAD      0xdead

typedef struct TortureState {
    int magic;
    int pipe;
} TortureState;

static struct {
    int fds[TORTURE_PIPES][2];
    QemuMutex lock[TORTURE_PIPES];  /* each pipe's "current" below */
    TortureState *current[TORTURE_PIPES];
    QemuMutex retire_lock;
    GPtrArray *retiring;            /* removed, grace period pending */
    GPtrArray *quarantine;          /* poisoned after the grace period */
    int callbacks, self_removals, retired;
    bool stop;
} tt;

/* Poison what was removed before a grace period; true if anything was. */
static bool torture_reclaim(void)
{
    GPtrArray *batch;

    qemu_mutex_lock(&tt.retire_lock);
    batch = tt.retiring;
    tt.retiring = g_ptr_array_new();
    qemu_mutex_unlock(&tt.retire_lock);
    synchronize_rcu();
    for (guint i = 0; i < batch->len; i++) {
        TortureState *st = g_ptr_array_index(batch, i);

        qatomic_set(&st->magic, STATE_DEAD);
        g_ptr_array_add(tt.quarantine, st);
    }
    g_ptr_array_free(batch, true);
    return tt.quarantine->len > 0;
}

static void *torture_reclaimer(void *arg)
{
    rcu_register_thread();
    while (!qatomic_read(&tt.stop)) {
        torture_reclaim();
        g_usleep(100);
    }
    rcu_unregister_thread();
    return NULL;
}

/* Remove pipe i's handler and retire its state.  Pipe i's lock held. */
static void torture_remove_locked(int i)
{
    TortureState *st = tt.current[i];

    if (st) {
        qemu_set_fd_handler(tt.fds[i][0], NULL, NULL, NULL);
        tt.current[i] = NULL;
        qatomic_inc(&tt.retired);
        qemu_mutex_lock(&tt.retire_lock);
        g_ptr_array_add(tt.retiring, st);
        qemu_mutex_unlock(&tt.retire_lock);
    }
}

static void torture_read(void *opaque)
{
    TortureState *st = opaque;
    char buf[64];
    int i = st->pipe;

    g_assert_cmphex(qatomic_read(&st->magic), ==, STATE_LIVE);
    while (read(tt.fds[i][0], buf, sizeof(buf)) > 0) {
        /* drain */
    }
    qatomic_inc(&tt.callbacks);
    if (g_random_int_range(0, 4) == 0) {
        qemu_mutex_lock(&tt.lock[i]);
        if (tt.current[i] == st) {
            torture_remove_locked(i);
            qatomic_inc(&tt.self_removals);
        }
        qemu_mutex_unlock(&tt.lock[i]);
    }
    g_assert_cmphex(qatomic_read(&st->magic), ==, STATE_LIVE);
}

static void *torture_writer(void *arg)
{
    GRand *rand = g_rand_new_with_seed(GPOINTER_TO_UINT(arg));

    rcu_register_thread();
    while (!qatomic_read(&tt.stop)) {
        int i = g_rand_int_range(rand, 0, TORTURE_PIPES);
        TortureState *st;

        qemu_mutex_lock(&tt.lock[i]);
        switch (g_rand_int_range(rand, 0, 3)) {
        case 0:     /* remove */
            torture_remove_locked(i);
            break;
        default:    /* install or replace */
            torture_remove_locked(i);
            st = g_new0(TortureState, 1);
            st->magic = STATE_LIVE;
            st->pipe = i;
            tt.current[i] = st;
            qemu_set_fd_handler(tt.fds[i][0], torture_read, NULL, st);
            break;
        }
        qemu_mutex_unlock(&tt.lock[i]);
        if (write(tt.fds[i][1], "x", 1) < 0) {
            /* Full pipe: the reader is behind, which is fine. */
        }
    }
    rcu_unregister_thread();
    g_rand_free(rand);
    return NULL;
}

static void test_torture(void)
{
    QemuThread t[TORTURE_THREADS], reclaimer;
    int64_t end = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) +
                  (g_test_quick() ? 1000 : 10000);

    tt.quarantine = g_ptr_array_new_with_free_func(g_free);
    tt.retiring = g_ptr_array_new();
    qemu_mutex_init(&tt.retire_lock);
    for (int i = 0; i < TORTURE_PIPES; i++) {
        g_assert_true(g_unix_open_pipe(tt.fds[i], FD_CLOEXEC, NULL));
        qemu_set_nonblock(tt.fds[i][0]);
        qemu_set_nonblock(tt.fds[i][1]);
        qemu_mutex_init(&tt.lock[i]);
    }
    qemu_thread_create(&reclaimer, "ioh-reclaim", torture_reclaimer, NULL,
                       QEMU_THREAD_JOINABLE);
    for (int i = 0; i < TORTURE_THREADS; i++) {
        qemu_thread_create(&t[i], "ioh-torture", torture_writer,
                           GUINT_TO_POINTER(g_test_rand_int()),
                           QEMU_THREAD_JOINABLE);
    }
    while (qemu_clock_get_ms(QEMU_CLOCK_REALTIME) < end) {
        main_loop_wait(false);
    }
    qatomic_set(&tt.stop, true);
    for (int i = 0; i < TORTURE_THREADS; i++) {
        qemu_thread_join(&t[i]);
    }
    qemu_thread_join(&reclaimer);
    for (int i = 0; i < TORTURE_PIPES; i++) {
        torture_remove_locked(i);
    }
    main_loop_wait(true);
    torture_reclaim();

    g_test_message("%d callbacks, %d handlers retired (%d by themselves)",
                   tt.callbacks, tt.retired, tt.self_removals);
    g_assert_cmpint(tt.callbacks, >, 0);
    g_assert_cmpint(tt.self_removals, >, 0);
    /* Every retired state went through its grace period. */
    g_assert_cmpint(tt.quarantine->len, ==, tt.retired);
    for (int i = 0; i < TORTURE_PIPES; i++) {
        close(tt.fds[i][0]);
        close(tt.fds[i][1]);
    }
    g_ptr_array_free(tt.quarantine, true);
    g_ptr_array_free(tt.retiring, true);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();
    g_test_add_func("/iohandler/read", test_read_handler);
    g_test_add_func("/iohandler/write-removes-itself",
                    test_write_handler_removes_itself);
    g_test_add_func("/iohandler/remote-add-remove", test_remote_add_remove);
    g_test_add_func("/iohandler/churn", test_churn);
    g_test_add_func("/iohandler/remove-while-running",
                    test_remove_while_running);
    g_test_add_func("/iohandler/torture", test_torture);
    return g_test_run();
}
