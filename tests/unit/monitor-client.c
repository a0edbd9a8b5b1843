/*
 * The monitor tests' socket client (monitor-client.h).
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "monitor-client.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

void mon_client_connect(MonClient *c, const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };

    c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(c->fd, >=, 0);
    g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
    g_assert_cmpint(connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)), ==,
                    0);
    c->in = g_string_new(NULL);
}

void mon_client_close(MonClient *c)
{
    close(c->fd);
    c->fd = -1;
    g_string_free(c->in, true);
    c->in = NULL;
}

void mon_client_send(MonClient *c, const void *buf, size_t len)
{
    size_t done = 0;

    /* Large inputs fill the socket: let the monitor drain it. */
    while (done < len) {
        ssize_t n = send(c->fd, (const char *)buf + done, len - done,
                         MSG_DONTWAIT);

        if (n < 0) {
            g_assert_cmpint(errno, ==, EAGAIN);
            main_loop_wait(true);
            continue;
        }
        done += n;
    }
}

void mon_client_send_str(MonClient *c, const char *s)
{
    mon_client_send(c, s, strlen(s));
}

/* One round: let the monitor run, then take what it sent. */
static void mon_client_pump(MonClient *c, int wait_ms)
{
    struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
    char buf[4096];
    ssize_t n;

    main_loop_wait(true);
    if (poll(&pfd, 1, wait_ms) == 1) {
        n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n > 0) {
            g_string_append_len(c->in, buf, n);
        }
    }
}

char *mon_client_read_until(MonClient *c, const char *want)
{
    int64_t deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + 10000;
    const char *hit;
    char *out;
    size_t end;

    while (!(hit = strstr(c->in->str, want))) {
        if (qemu_clock_get_ms(QEMU_CLOCK_REALTIME) > deadline) {
            g_test_message("waiting for '%s', got '%s'", want, c->in->str);
            g_assert_not_reached();
        }
        mon_client_pump(c, 1);
    }
    end = hit - c->in->str + strlen(want);
    out = g_strndup(c->in->str, end);
    g_string_erase(c->in, 0, end);
    return out;
}

bool mon_client_quiet(MonClient *c)
{
    for (int i = 0; i < 20; i++) {
        mon_client_pump(c, 1);
    }
    return c->in->len == 0;
}

char *mon_socket_path(const char *name)
{
    static char *dir;

    if (!dir) {
        dir = g_dir_make_tmp("test-monitor-XXXXXX", NULL);
        g_assert_nonnull(dir);
    }
    return g_build_filename(dir, name, NULL);
}
