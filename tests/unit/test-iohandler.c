/*
 * File descriptor handlers on pipes, added and removed from other threads
 * while the main loop runs.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/thread.h"
#include "qemu/atomic.h"
#include "qemu/timer.h"
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
    return g_test_run();
}
