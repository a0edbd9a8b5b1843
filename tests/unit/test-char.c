/*
 * Character devices: null, file, ringbuf, stdio (on a pseudo-terminal),
 * unix and tcp sockets (server with wait=off and wait=on, client), the
 * mux with its Ctrl-A keys, the legacy short forms and bad specs.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "chardev/char-fe.h"
#include "sysemu/runstate.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <termios.h>

/* The test double for the run state code, which the mux's Ctrl-A x calls. */
static int shutdown_requests;
static ShutdownCause last_shutdown_cause;

void qemu_system_shutdown_request(ShutdownCause reason)
{
    shutdown_requests++;
    last_shutdown_cause = reason;
}

/* A front end that records what it receives. */
typedef struct TestFE {
    CharBackend be;
    GString *input;
    int room;                   /* what can_read answers */
    int can_read_calls;
    int events[CHR_EVENT_CLOSED + 1];
    GArray *event_log;          /* of QEMUChrEvent, in order */
} TestFE;

static int fe_can_read(void *opaque)
{
    TestFE *fe = opaque;

    fe->can_read_calls++;
    return fe->room;
}

static void fe_read(void *opaque, const uint8_t *buf, int size)
{
    TestFE *fe = opaque;

    g_assert_cmpint(size, <=, fe->room);
    g_string_append_len(fe->input, (const char *)buf, size);
}

static void fe_event(void *opaque, QEMUChrEvent event)
{
    TestFE *fe = opaque;

    fe->events[event]++;
    g_array_append_val(fe->event_log, event);
}

static void fe_attach(TestFE *fe, Chardev *chr)
{
    memset(fe, 0, sizeof(*fe));
    fe->input = g_string_new(NULL);
    fe->event_log = g_array_new(false, false, sizeof(QEMUChrEvent));
    fe->room = 4096;
    g_assert_true(qemu_chr_fe_init(&fe->be, chr, &error_abort));
    qemu_chr_fe_set_handlers(&fe->be, fe_can_read, fe_read, fe_event, NULL,
                             fe, NULL, true);
}

static void fe_detach(TestFE *fe, bool del)
{
    qemu_chr_fe_deinit(&fe->be, del);
    g_string_free(fe->input, true);
    g_array_free(fe->event_log, true);
}

static void fe_write(TestFE *fe, const char *s)
{
    g_assert_cmpint(qemu_chr_fe_write_all(&fe->be, (const uint8_t *)s,
                                          strlen(s)), ==, strlen(s));
}

/* Iterate the main loop until cond(opaque) holds; fail after 10 s. */
#define LOOP_UNTIL(cond) do {                                           \
        int64_t deadline_ = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 10000; \
        while (!(cond)) {                                               \
            g_assert_cmpint(qemu_clock_get_ms(QEMU_CLOCK_REALTIME), <,  \
                            deadline_);                                 \
            main_loop_wait(false);                                      \
        }                                                               \
    } while (0)

static void loop_idle(void)
{
    for (int i = 0; i < 5; i++) {
        main_loop_wait(true);
    }
}

static char *tmp_path(const char *name)
{
    static char *dir;

    if (!dir) {
        dir = g_dir_make_tmp("test-char-XXXXXX", NULL);
        g_assert_nonnull(dir);
    }
    return g_build_filename(dir, name, NULL);
}

static void test_null(void)
{
    Chardev *chr = qemu_chardev_new_from_spec("null,id=null0", &error_abort);
    TestFE fe;
    g_autoptr(GString) info = g_string_new(NULL);

    g_assert_true(qemu_chr_find("null0") == chr);
    fe_attach(&fe, chr);
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 1);
    fe_write(&fe, "into the void");
    qemu_chr_info(info);
    g_assert_nonnull(strstr(info->str, "null0: filename=null\n"));
    fe_detach(&fe, true);
    g_assert_null(qemu_chr_find("null0"));
}

static void test_file(void)
{
    g_autofree char *path = tmp_path("out.txt");
    g_autofree char *spec = g_strdup_printf("file,id=f0,path=%s", path);
    g_autofree char *spec_app = g_strdup_printf("file,id=f1,path=%s,"
                                                "append=on", path);
    g_autofree char *contents = NULL;
    TestFE fe;

    fe_attach(&fe, qemu_chardev_new_from_spec(spec, &error_abort));
    fe_write(&fe, "hello ");
    qemu_chr_fe_printf(&fe.be, "%s %d\n", "world", 42);
    fe_detach(&fe, true);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello world 42\n");
    g_free(contents);

    fe_attach(&fe, qemu_chardev_new_from_spec(spec_app, &error_abort));
    fe_write(&fe, "more\n");
    fe_detach(&fe, true);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "hello world 42\nmore\n");
    g_free(contents);

    /* Without append the file starts over. */
    fe_attach(&fe, qemu_chardev_new_from_spec(spec, &error_abort));
    fe_write(&fe, "new\n");
    fe_detach(&fe, true);
    g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
    g_assert_cmpstr(contents, ==, "new\n");
    unlink(path);
}

static void test_ringbuf(void)
{
    Chardev *chr = qemu_chardev_new_from_spec("ringbuf,id=rb,size=16",
                                              &error_abort);
    TestFE fe;
    g_autofree char *a = NULL, *b = NULL, *c = NULL;

    fe_attach(&fe, chr);
    fe_write(&fe, "abc");
    a = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(a, ==, "abc");
    b = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(b, ==, "");
    /* 20 bytes into 16: the newest 16 are kept. */
    fe_write(&fe, "0123456789ABCDEFGHIJ");
    c = qemu_chr_ringbuf_read(chr);
    g_assert_cmpstr(c, ==, "456789ABCDEFGHIJ");
    fe_detach(&fe, true);
}

/* A connected client socket for path, blocking. */
static int unix_connect(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    return fd;
}

static int tcp_connect(int port)
{
    struct sockaddr_in sin = {
        .sin_family = AF_INET,
        .sin_port = htons(port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    return fd;
}

/* Read exactly strlen(want) bytes from fd (10 s at most) and compare. */
static void client_expect(int fd, const char *want)
{
    size_t len = strlen(want), got = 0;
    g_autofree char *buf = g_malloc0(len + 1);

    while (got < len) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t n;

        g_assert_cmpint(poll(&pfd, 1, 10000), ==, 1);
        n = read(fd, buf + got, len - got);
        g_assert_cmpint(n, >, 0);
        got += n;
    }
    g_assert_cmpstr(buf, ==, want);
}

static void client_send(int fd, const char *s)
{
    g_assert_cmpint(write(fd, s, strlen(s)), ==, strlen(s));
}

/* One client's session: open, data both ways, hang-up. */
static void socket_session(TestFE *fe, int fd, const char *tag)
{
    int opened = fe->events[CHR_EVENT_OPENED];
    int closed = fe->events[CHR_EVENT_CLOSED];
    g_autofree char *in = g_strdup_printf("from client %s", tag);
    g_autofree char *out = g_strdup_printf("from device %s", tag);

    LOOP_UNTIL(fe->events[CHR_EVENT_OPENED] == opened + 1);
    g_assert_true(qemu_chr_fe_get_driver(&fe->be)->be_open);
    g_string_truncate(fe->input, 0);
    client_send(fd, in);
    LOOP_UNTIL(fe->input->len == strlen(in));
    g_assert_cmpstr(fe->input->str, ==, in);
    fe_write(fe, out);
    client_expect(fd, out);
    close(fd);
    LOOP_UNTIL(fe->events[CHR_EVENT_CLOSED] == closed + 1);
    g_assert_false(qemu_chr_fe_get_driver(&fe->be)->be_open);
    /* Nobody connected: writes are dropped, not blocked. */
    fe_write(fe, "lost");
}

static void test_socket_unix_nowait(void)
{
    g_autofree char *path = tmp_path("s.sock");
    g_autofree char *spec = g_strdup_printf("socket,id=sock0,path=%s,"
                                            "server=on,wait=off", path);
    Chardev *chr = qemu_chardev_new_from_spec(spec, &error_abort);
    TestFE fe;

    g_assert_false(chr->be_open);
    g_assert_true(g_str_has_prefix(chr->filename, "disconnected:unix:"));
    fe_attach(&fe, chr);
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 0);
    fe_write(&fe, "nobody there");
    socket_session(&fe, unix_connect(path), "one");
    /* The backend accepts the next client. */
    socket_session(&fe, unix_connect(path), "two");
    fe_detach(&fe, true);
    /* The server removes its socket. */
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

/* A second client waits in the backlog until the first one leaves. */
static void test_socket_one_at_a_time(void)
{
    g_autofree char *path = tmp_path("q.sock");
    g_autofree char *spec = g_strdup_printf("socket,id=sock1,path=%s,"
                                            "server=on,wait=off", path);
    TestFE fe;
    int c1, c2;

    fe_attach(&fe, qemu_chardev_new_from_spec(spec, &error_abort));
    c1 = unix_connect(path);
    LOOP_UNTIL(fe.events[CHR_EVENT_OPENED] == 1);
    c2 = unix_connect(path);
    client_send(c2, "early");
    loop_idle();
    g_assert_cmpstr(fe.input->str, ==, "");
    close(c1);
    LOOP_UNTIL(fe.events[CHR_EVENT_OPENED] == 2);
    LOOP_UNTIL(fe.input->len == 5);
    g_assert_cmpstr(fe.input->str, ==, "early");
    g_assert_cmpint(fe.events[CHR_EVENT_CLOSED], ==, 1);
    close(c2);
    LOOP_UNTIL(fe.events[CHR_EVENT_CLOSED] == 2);
    fe_detach(&fe, true);
}

static int filename_port(Chardev *chr)
{
    const char *colon = strrchr(chr->filename, ':');
    int port;

    g_assert_nonnull(colon);
    port = atoi(colon + 1);
    g_assert_cmpint(port, >, 0);
    return port;
}

static void test_socket_tcp(void)
{
    Chardev *chr = qemu_chardev_new_from_spec(
        "socket,id=tcp0,host=127.0.0.1,port=0,server=on,wait=off",
        &error_abort);
    int port = filename_port(chr);
    TestFE fe;

    g_assert_true(g_str_has_prefix(chr->filename,
                                   "disconnected:tcp:127.0.0.1:"));
    fe_attach(&fe, chr);
    socket_session(&fe, tcp_connect(port), "one");
    socket_session(&fe, tcp_connect(port), "two");
    fe_detach(&fe, true);
}

/* wait=on: creation blocks until a client connects. */
static void *late_connector(void *arg)
{
    const char *path = arg;

    for (int i = 0; i < 1000; i++) {
        struct sockaddr_un sun = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);

        g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
        if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
            return (void *)(intptr_t)fd;
        }
        close(fd);
        g_usleep(10 * 1000);
    }
    return (void *)(intptr_t)-1;
}

static void test_socket_wait(void)
{
    g_autofree char *path = tmp_path("w.sock");
    g_autofree char *spec = g_strdup_printf("socket,id=sockw,path=%s,"
                                            "server=on", path);
    QemuThread t;
    Chardev *chr;
    TestFE fe;
    int fd;

    qemu_thread_create(&t, "connector", late_connector, path,
                       QEMU_THREAD_JOINABLE);
    chr = qemu_chardev_new_from_spec(spec, &error_abort);
    fd = (intptr_t)qemu_thread_join(&t);
    g_assert_cmpint(fd, >=, 0);
    g_assert_true(chr->be_open);
    fe_attach(&fe, chr);
    /* Attaching to a connected backend reports it open at once. */
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 1);
    client_send(fd, "hi");
    LOOP_UNTIL(fe.input->len == 2);
    fe_write(&fe, "yo");
    client_expect(fd, "yo");
    close(fd);
    LOOP_UNTIL(fe.events[CHR_EVENT_CLOSED] == 1);
    fe_detach(&fe, true);
}

/* server=off: connect at creation to a server of our own. */
static void test_socket_client(void)
{
    g_autofree char *path = tmp_path("c.sock");
    g_autofree char *spec = g_strdup_printf("socket,id=sockc,path=%s", path);
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0), fd;
    TestFE fe;

    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), ==, 0);
    g_assert_cmpint(listen(lfd, 1), ==, 0);
    fe_attach(&fe, qemu_chardev_new_from_spec(spec, &error_abort));
    g_assert_cmpint(fe.events[CHR_EVENT_OPENED], ==, 1);
    fd = accept(lfd, NULL, NULL);
    g_assert_cmpint(fd, >=, 0);
    fe_write(&fe, "ping");
    client_expect(fd, "ping");
    client_send(fd, "pong");
    LOOP_UNTIL(fe.input->len == 4);
    g_assert_cmpstr(fe.input->str, ==, "pong");
    close(fd);
    LOOP_UNTIL(fe.events[CHR_EVENT_CLOSED] == 1);
    fe_detach(&fe, true);
    close(lfd);
    unlink(path);
}

/*
 * A front end that says it has no room is not polled for input (the loop
 * does not spin on it) until it calls qemu_chr_fe_accept_input; then it
 * gets the data, no more at a time than it offered.
 */
static void test_socket_throttle(void)
{
    g_autofree char *path = tmp_path("t.sock");
    g_autofree char *spec = g_strdup_printf("socket,id=sockt,path=%s,"
                                            "server=on,wait=off", path);
    TestFE fe;
    int fd, calls;

    fe_attach(&fe, qemu_chardev_new_from_spec(spec, &error_abort));
    fd = unix_connect(path);
    LOOP_UNTIL(fe.events[CHR_EVENT_OPENED] == 1);
    fe.room = 0;
    client_send(fd, "0123456789");
    LOOP_UNTIL(fe.can_read_calls > 0);
    calls = fe.can_read_calls;
    loop_idle();
    g_assert_cmpint(fe.can_read_calls, ==, calls);
    g_assert_cmpint(fe.input->len, ==, 0);

    fe.room = 3;
    qemu_chr_fe_accept_input(&fe.be);
    LOOP_UNTIL(fe.input->len == 10);
    g_assert_cmpstr(fe.input->str, ==, "0123456789");
    close(fd);
    LOOP_UNTIL(fe.events[CHR_EVENT_CLOSED] == 1);
    fe_detach(&fe, true);
}

static void check_events(TestFE *fe, const QEMUChrEvent *want, int n)
{
    g_assert_cmpint(fe->event_log->len, ==, n);
    for (int i = 0; i < n; i++) {
        g_assert_cmpint(g_array_index(fe->event_log, QEMUChrEvent, i), ==,
                        want[i]);
    }
    g_array_set_size(fe->event_log, 0);
}

static void mux_input(Chardev *base, const char *s)
{
    qemu_chr_be_write(base, (const uint8_t *)s, strlen(s));
}

static void test_mux(void)
{
    Chardev *mux = qemu_chardev_new_from_spec("ringbuf,id=mux0,mux=on",
                                              &error_abort);
    Chardev *base = qemu_chr_find("mux0-base");
    TestFE serial, mon;
    g_autofree char *out = NULL, *help = NULL, *bye = NULL;
    static const QEMUChrEvent bg[] = { CHR_EVENT_MUX_OUT, CHR_EVENT_OPENED };
    static const QEMUChrEvent fg[] = { CHR_EVENT_OPENED, CHR_EVENT_MUX_IN };
    static const QEMUChrEvent in[] = { CHR_EVENT_MUX_IN };
    static const QEMUChrEvent out_ev[] = { CHR_EVENT_MUX_OUT };
    static const QEMUChrEvent brk[] = { CHR_EVENT_BREAK };

    g_assert_nonnull(base);
    g_assert_true(qemu_chr_find("mux0") == mux);
    /* The monitor attaches first, the serial port last and takes the
     * focus; they hear about it from the main loop. */
    fe_attach(&mon, mux);
    fe_attach(&serial, mux);
    g_assert_cmpint(mon.event_log->len, ==, 0);
    loop_idle();
    check_events(&mon, bg, 2);
    check_events(&serial, fg, 2);

    /* Output from both goes to the backend. */
    fe_write(&serial, "guest ");
    fe_write(&mon, "(qemu) ");
    out = qemu_chr_ringbuf_read(base);
    g_assert_cmpstr(out, ==, "guest (qemu) ");

    mux_input(base, "ls\r");
    g_assert_cmpstr(serial.input->str, ==, "ls\r");
    g_assert_cmpstr(mon.input->str, ==, "");

    /* Ctrl-A c: focus to the monitor; split across two writes. */
    mux_input(base, "\001");
    mux_input(base, "cinfo");
    check_events(&serial, out_ev, 1);
    check_events(&mon, in, 1);
    g_assert_cmpstr(mon.input->str, ==, "info");

    /* Ctrl-A a and Ctrl-A Ctrl-A: a literal Ctrl-A; other keys pass on
     * with their Ctrl-A. */
    g_string_truncate(mon.input, 0);
    mux_input(base, "\001a\001\001\001z");
    g_assert_cmpstr(mon.input->str, ==, "\001\001\001z");

    /* Ctrl-A b: a break for the focused front end only. */
    mux_input(base, "\001b");
    check_events(&mon, brk, 1);
    g_assert_cmpint(serial.event_log->len, ==, 0);

    /* Ctrl-A h prints the keys. */
    mux_input(base, "\001h");
    help = qemu_chr_ringbuf_read(base);
    g_assert_nonnull(strstr(help, "C-a x"));
    g_assert_nonnull(strstr(help, "C-a c"));

    /* A busy front end: input waits in the mux until it accepts. */
    mon.room = 0;
    g_string_truncate(mon.input, 0);
    mux_input(base, "wait");
    g_assert_cmpstr(mon.input->str, ==, "");
    mon.room = 2;
    qemu_chr_fe_accept_input(&mon.be);
    g_assert_cmpstr(mon.input->str, ==, "wait");
    mon.room = 4096;

    /* And back to the serial port. */
    mux_input(base, "\001c");
    check_events(&mon, out_ev, 1);
    check_events(&serial, in, 1);

    /* Ctrl-A x: a shutdown request from the UI, even with the focused
     * front end busy. */
    serial.room = 0;
    shutdown_requests = 0;
    mux_input(base, "\001x");
    g_assert_cmpint(shutdown_requests, ==, 1);
    g_assert_cmpint(last_shutdown_cause, ==, SHUTDOWN_CAUSE_HOST_UI);
    bye = qemu_chr_ringbuf_read(base);
    g_assert_nonnull(strstr(bye, "Terminated"));

    fe_detach(&serial, true);
    g_assert_nonnull(qemu_chr_find("mux0"));
    fe_detach(&mon, true);
    g_assert_null(qemu_chr_find("mux0"));
    g_assert_null(qemu_chr_find("mux0-base"));
}

/*
 * A front end without an event handler (a device that ignores breaks)
 * still takes the focus when it attaches last, and gets the input.
 */
static void test_mux_no_event_handler(void)
{
    Chardev *mux = qemu_chardev_new_from_spec("null,id=mux1,mux=on",
                                              &error_abort);
    Chardev *base = qemu_chr_find("mux1-base");
    TestFE mon, dev;
    static const QEMUChrEvent bg[] = { CHR_EVENT_MUX_OUT, CHR_EVENT_OPENED };

    fe_attach(&mon, mux);
    memset(&dev, 0, sizeof(dev));
    dev.input = g_string_new(NULL);
    dev.event_log = g_array_new(false, false, sizeof(QEMUChrEvent));
    dev.room = 4096;
    g_assert_true(qemu_chr_fe_init(&dev.be, mux, &error_abort));
    qemu_chr_fe_set_handlers(&dev.be, fe_can_read, fe_read, NULL, NULL, &dev,
                             NULL, true);
    loop_idle();
    check_events(&mon, bg, 2);
    mux_input(base, "to dev");
    g_assert_cmpstr(dev.input->str, ==, "to dev");
    g_assert_cmpstr(mon.input->str, ==, "");
    fe_detach(&dev, false);
    fe_detach(&mon, true);
    g_assert_null(qemu_chr_find("mux1"));
}

/* The mux passes its backend's connects and hang-ups to every front end. */
static void test_mux_socket(void)
{
    g_autofree char *path = tmp_path("m.sock");
    g_autofree char *spec = g_strdup_printf("socket,id=msock,path=%s,"
                                            "server=on,wait=off,mux=on", path);
    Chardev *mux = qemu_chardev_new_from_spec(spec, &error_abort);
    TestFE a, b;
    int fd;

    fe_attach(&a, mux);
    fe_attach(&b, mux);
    loop_idle();
    g_assert_cmpint(a.events[CHR_EVENT_OPENED], ==, 0);
    fd = unix_connect(path);
    LOOP_UNTIL(a.events[CHR_EVENT_OPENED] == 1 &&
               b.events[CHR_EVENT_OPENED] == 1);
    client_send(fd, "to b");
    LOOP_UNTIL(b.input->len == 4);
    fe_write(&a, "from a");
    client_expect(fd, "from a");
    close(fd);
    LOOP_UNTIL(a.events[CHR_EVENT_CLOSED] == 1 &&
               b.events[CHR_EVENT_CLOSED] == 1);
    fe_detach(&a, true);
    fe_detach(&b, true);
    g_assert_null(qemu_chr_find("msock"));
}

static void test_legacy(void)
{
    g_autofree char *fpath = tmp_path("legacy.txt");
    g_autofree char *spath = tmp_path("legacy.sock");
    g_autofree char *fspec = g_strdup_printf("file:%s", fpath);
    g_autofree char *sspec = g_strdup_printf("unix:%s,server,wait=off",
                                             spath);
    Error *err = NULL;
    Chardev *chr;

    g_assert_null(qemu_chr_new("serialx", "none", &err));
    g_assert_null(err);

    chr = qemu_chr_new("serial0", "null", &error_abort);
    g_assert_cmpstr(chr->label, ==, "serial0");
    g_assert_true(qemu_chr_new("other", "chardev:serial0", &error_abort) ==
                  chr);
    qemu_chr_delete(chr);

    chr = qemu_chr_new("serial1", fspec, &error_abort);
    g_assert_cmpstr(chr->driver->name, ==, "file");
    qemu_chr_delete(chr);
    g_assert_true(g_file_test(fpath, G_FILE_TEST_EXISTS));
    unlink(fpath);

    chr = qemu_chr_new("qmp0", sspec, &error_abort);
    g_assert_cmpstr(chr->driver->name, ==, "socket");
    g_assert_false(chr->be_open);
    qemu_chr_delete(chr);

    /* "nowait" is the older spelling of wait=off. */
    chr = qemu_chr_new("qmp1", "tcp:127.0.0.1:0,server,nowait",
                       &error_abort);
    g_assert_true(g_str_has_prefix(chr->filename,
                                   "disconnected:tcp:127.0.0.1:"));
    g_assert_cmpint(filename_port(chr), >, 0);
    qemu_chr_delete(chr);

    /* mon: makes a mux. */
    chr = qemu_chr_new("serial2", "mon:null", &error_abort);
    g_assert_cmpstr(chr->filename, ==, "mux:null");
    g_assert_nonnull(qemu_chr_find("serial2-base"));
    qemu_chr_delete(chr);
    g_assert_null(qemu_chr_find("serial2-base"));
}

/* spec must fail with an error containing each of the want strings. */
static void check_bad(const char *spec, bool legacy, const char *want1,
                      const char *want2)
{
    Error *err = NULL;
    Chardev *chr;

    if (legacy) {
        chr = qemu_chr_new("bad", spec, &err);
    } else {
        chr = qemu_chardev_new_from_spec(spec, &err);
    }
    g_assert_null(chr);
    g_assert_nonnull(err);
    if (g_test_verbose()) {
        g_test_message("%s -> %s", spec, error_get_pretty(err));
    }
    g_assert_nonnull(strstr(error_get_pretty(err), want1));
    if (want2) {
        g_assert_nonnull(strstr(error_get_pretty(err), want2));
    }
    error_free(err);
}

static void test_bad_specs(void)
{
    Chardev *chr;
    CharBackend b1, b2;
    Error *err = NULL;

    check_bad("bogus,id=x", false, "'bogus' is not a valid char driver",
              NULL);
    check_bad("null", false, "has no id", NULL);
    check_bad("socket,id=x", false, "needs path=", NULL);
    check_bad("socket,id=x,host=127.0.0.1,port=99999,server=on", false,
              "port", "99999");
    check_bad("socket,id=x,host=127.0.0.1,port=http,server=on", false,
              "port", "'http'");
    check_bad("socket,id=x,host=127.0.0.1,port=0", false, "port", NULL);
    check_bad("socket,id=x,path=/nonexistent-dir/x.sock,server=on,wait=off",
              false, "/nonexistent-dir/x.sock", "No such file or directory");
    check_bad("socket,id=x,path=/nonexistent-dir/x.sock", false,
              "/nonexistent-dir/x.sock", "No such file or directory");
    check_bad("socket,id=x,path=a,server=maybe", false, "server", NULL);
    check_bad("socket,id=x,path=a,bogus=1", false, "Invalid parameter",
              "bogus");
    check_bad("file,id=x", false, "no path", NULL);
    check_bad("file,id=x,path=/nonexistent-dir/f", false,
              "/nonexistent-dir/f", "No such file or directory");
    check_bad("ringbuf,id=x,size=1000", false, "power of 2", NULL);
    check_bad("null,id=x,mux=perhaps", false, "mux", NULL);
    check_bad("serial:/dev/ttyS0", true, "not a valid char driver", NULL);
    check_bad("chardev:nothere", true, "'nothere' not found", NULL);
    check_bad("tcp:4444,server", true, "HOST:PORT", NULL);
    check_bad("file:", true, "path", NULL);
    check_bad("unix:/nonexistent-dir/s,server,wait=off", true,
              "/nonexistent-dir/s", "No such file");
    g_assert_null(qemu_chr_find("x"));

    /* A tcp port that is taken: the port and the system's error. */
    chr = qemu_chardev_new_from_spec(
        "socket,id=taken,host=127.0.0.1,port=0,server=on,wait=off",
        &error_abort);
    {
        g_autofree char *spec = g_strdup_printf(
            "socket,id=x,host=127.0.0.1,port=%d,server=on,wait=off",
            filename_port(chr));
        g_autofree char *port = g_strdup_printf("%d", filename_port(chr));

        check_bad(spec, false, port, "Address already in use");
    }

    /* Duplicate ids, for a plain chardev and for a mux. */
    check_bad("null,id=taken", false, "Duplicate ID 'taken'", NULL);
    check_bad("null,id=taken,mux=on", false, "Duplicate ID 'taken'", NULL);
    g_assert_null(qemu_chr_find("taken-base"));

    /* One front end per chardev unless it is a mux. */
    g_assert_true(qemu_chr_fe_init(&b1, chr, &error_abort));
    g_assert_false(qemu_chr_fe_init(&b2, chr, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "'taken' is in use"));
    error_free(err);
    qemu_chr_fe_deinit(&b1, true);
    g_assert_null(qemu_chr_find("taken"));
}

/* A front end with no chardev drops its writes. */
static void test_no_backend(void)
{
    CharBackend b;

    g_assert_true(qemu_chr_fe_init(&b, NULL, &error_abort));
    g_assert_false(qemu_chr_fe_backend_connected(&b));
    g_assert_cmpint(qemu_chr_fe_write_all(&b, (const uint8_t *)"x", 1), ==,
                    1);
    qemu_chr_fe_deinit(&b, false);
}

/*
 * stdio on a pseudo-terminal, in a child process whose fds 0 and 1 are
 * the terminal: raw mode while the chardev exists, data both ways, the
 * settings restored by qemu_chr_cleanup, or by the signal handler when
 * the process is killed.
 *
 * The child is this program again (--stdio-child SPEC HOW), started by
 * fork and exec: by now this process has threads (the RCU callback
 * thread, the socket tests'), and the copy fork makes of a threaded
 * process may only call async-signal-safe functions, which a main loop
 * and a chardev are not.  (ThreadSanitizer holds to that: in such a copy
 * it stops running signal handlers, so SIGTERM would never end it.)
 */
static int open_pty(int *slave)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);

    if (master < 0) {
        return -1;
    }
    g_assert_cmpint(grantpt(master), ==, 0);
    g_assert_cmpint(unlockpt(master), ==, 0);
    *slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    g_assert_cmpint(*slave, >=, 0);
    return master;
}

enum { STDIO_CLEANUP, STDIO_SIGTERM };

/*
 * The child's body, with fds 0 and 1 on the terminal; returns its exit
 * status (0: all checks passed).
 */
static int stdio_child(const char *spec, int how)
{
    struct termios tty;
    Chardev *chr;
    TestFE fe;
    int64_t deadline;

    chr = qemu_chardev_new_from_spec(spec, NULL);
    if (!chr || tcgetattr(0, &tty) < 0) {
        return 10;
    }
    if ((tty.c_lflag & (ECHO | ICANON)) || (tty.c_iflag & ICRNL)) {
        return 11;
    }
    if (!!(tty.c_lflag & ISIG) != !strstr(spec, "signal=off")) {
        return 12;
    }
    fe_attach(&fe, chr);
    fe_write(&fe, "ready\n");
    deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 10000;
    while (!strchr(fe.input->str, '!')) {
        if (qemu_clock_get_ms(QEMU_CLOCK_REALTIME) > deadline) {
            return 13;
        }
        main_loop_wait(false);
    }
    /* Raw: the CR arrives as typed. */
    if (strcmp(fe.input->str, "typed\r!")) {
        return 14;
    }
    if (how == STDIO_SIGTERM) {
        /* The handler restores the terminal and raises it again. */
        raise(SIGTERM);
        return 15;
    }
    qemu_chr_cleanup();
    qemu_chr_cleanup();
    if (tcgetattr(0, &tty) < 0 || !(tty.c_lflag & ECHO) ||
        !(tty.c_lflag & ICANON)) {
        return 16;
    }
    return 0;
}

static void stdio_run(const char *spec, int how)
{
    int slave, master = open_pty(&slave);
    struct termios tty;
    char buf[64] = "";
    size_t got = 0;
    int status;
    pid_t pid;

    if (master < 0) {
        g_test_skip("no pseudo-terminals on this host");
        return;
    }
    g_assert_cmpint(tcgetattr(slave, &tty), ==, 0);
    g_assert_true(tty.c_lflag & ECHO);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        char how_arg[] = { '0' + how, 0 };

        dup2(slave, 0);
        dup2(slave, 1);
        execl("/proc/self/exe", "test-char", "--stdio-child", spec, how_arg,
              NULL);
        _exit(127);
    }
    /* Wait for the child to be ready, then type. */
    while (!strstr(buf, "ready")) {
        struct pollfd pfd = { .fd = master, .events = POLLIN };
        ssize_t n;

        g_assert_cmpint(poll(&pfd, 1, 10000), ==, 1);
        n = read(master, buf + got, sizeof(buf) - 1 - got);
        g_assert_cmpint(n, >, 0);
        got += n;
    }
    g_assert_cmpint(write(master, "typed\r!", 7), ==, 7);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    if (how == STDIO_SIGTERM) {
        g_assert_true(WIFSIGNALED(status));
        g_assert_cmpint(WTERMSIG(status), ==, SIGTERM);
    } else {
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    }
    /* Whatever the way out, the terminal is back to how it was. */
    g_assert_cmpint(tcgetattr(slave, &tty), ==, 0);
    g_assert_true(tty.c_lflag & ECHO);
    g_assert_true(tty.c_lflag & ICANON);
    close(slave);
    close(master);
}

static void test_stdio_cleanup(void)
{
    stdio_run("stdio,id=con", STDIO_CLEANUP);
    stdio_run("stdio,id=con,signal=off", STDIO_CLEANUP);
}

static void test_stdio_signal(void)
{
    stdio_run("stdio,id=con", STDIO_SIGTERM);
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--stdio-child")) {
        qemu_init_main_loop(&error_abort);
        qemu_mutex_lock_iothread();
        return stdio_child(argv[2], atoi(argv[3]));
    }
    g_test_init(&argc, &argv, NULL);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();

    g_test_add_func("/char/null", test_null);
    g_test_add_func("/char/file", test_file);
    g_test_add_func("/char/ringbuf", test_ringbuf);
    g_test_add_func("/char/no-backend", test_no_backend);
    g_test_add_func("/char/socket/unix-nowait", test_socket_unix_nowait);
    g_test_add_func("/char/socket/one-at-a-time", test_socket_one_at_a_time);
    g_test_add_func("/char/socket/tcp", test_socket_tcp);
    g_test_add_func("/char/socket/wait", test_socket_wait);
    g_test_add_func("/char/socket/client", test_socket_client);
    g_test_add_func("/char/socket/throttle", test_socket_throttle);
    g_test_add_func("/char/mux/keys", test_mux);
    g_test_add_func("/char/mux/socket", test_mux_socket);
    g_test_add_func("/char/mux/no-event-handler", test_mux_no_event_handler);
    g_test_add_func("/char/legacy", test_legacy);
    g_test_add_func("/char/bad-specs", test_bad_specs);
    g_test_add_func("/char/stdio/cleanup", test_stdio_cleanup);
    g_test_add_func("/char/stdio/signal", test_stdio_signal);
    return g_test_run();
}
