/*
 * The socket chardev: a unix (path=) or tcp (host=, port=) stream socket.
 *
 * As a server (server=on) it listens and serves one client at a time:
 * the main loop accepts a client, the backend opens (CHR_EVENT_OPENED),
 * and when the client hangs up it closes (CHR_EVENT_CLOSED) and accepts
 * the next one, which may already be waiting in the backlog.  wait=on
 * (the default for a server, as in QEMU) blocks creation until the first
 * client connects; wait=off returns at once.  As a client (server=off)
 * it connects at creation and stays closed once the server hangs up.
 *
 * Writes while no client is connected are dropped; so are writes that
 * fail because the client went away (its hang-up is then seen by the
 * reader).  A unix server removes its socket file when it is deleted.
 *
 * State changes (accept, hang-up) happen in the main loop with the BQL
 * held.  fd is also read by writers, which hold chr_write_lock: it is
 * changed under that lock too.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/option.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "chardev-internal.h"
#include "qemu/sockets.h"
#include <sys/socket.h>
#include <sys/un.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

typedef struct SocketChardev {
    Chardev parent;
    bool is_unix;
    bool is_listen;
    char *path;                 /* unix; unlinked at finalize if a server */
    char *addr;                 /* "unix:PATH" or "tcp:HOST:PORT" */
    int listen_fd;              /* -1 unless a server */
    bool accepting;             /* listen_fd's handler is installed */
    int fd;                     /* the connected peer, or -1 */
    CharFdReader reader;
} SocketChardev;

static const char *const socket_options[] = {
    "path", "host", "port", "server", "wait", NULL
};

static void socket_update_filename(SocketChardev *s)
{
    chardev_set_filename(&s->parent, "%s%s%s",
                         s->fd < 0 ? "disconnected:" : "", s->addr,
                         s->is_listen ? ",server=on" : "");
}

static void socket_accept(void *opaque);

static void socket_set_accepting(SocketChardev *s, bool on)
{
    if (s->accepting != on) {
        s->accepting = on;
        qemu_set_fd_handler(s->listen_fd, on ? socket_accept : NULL, NULL,
                            s);
    }
}

static void socket_disconnected(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    char_fd_reader_stop(&s->reader);
    qemu_mutex_lock(&chr->chr_write_lock);
    close(s->fd);
    s->fd = -1;
    qemu_mutex_unlock(&chr->chr_write_lock);
    socket_update_filename(s);
    qemu_chr_be_event(chr, CHR_EVENT_CLOSED);
    if (s->is_listen && s->listen_fd >= 0) {
        socket_set_accepting(s, true);
    }
}

/* fd is a freshly connected, blocking or not, socket. */
static void socket_connected(SocketChardev *s, int fd)
{
    Chardev *chr = &s->parent;

    qemu_set_nonblock(fd);
    if (!s->is_unix) {
        int one = 1;

        /* Monitor replies are small; do not hold them back. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    qemu_mutex_lock(&chr->chr_write_lock);
    s->fd = fd;
    qemu_mutex_unlock(&chr->chr_write_lock);
    if (s->is_listen) {
        /* One client at a time; the next waits in the backlog. */
        socket_set_accepting(s, false);
    }
    socket_update_filename(s);
    char_fd_reader_start(&s->reader, chr, fd, socket_disconnected);
    qemu_chr_be_event(chr, CHR_EVENT_OPENED);
}

static void socket_accept(void *opaque)
{
    SocketChardev *s = opaque;
    int fd;

    if (s->fd >= 0) {
        return;
    }
    do {
        fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        /* EAGAIN (the client gave up) or out of fds: try again later. */
        return;
    }
    socket_connected(s, fd);
}

static bool parse_port(const char *str, bool server, int *port,
                       Error **errp)
{
    unsigned int v;

    if (!str || qemu_strtoui(str, NULL, 10, &v) < 0 || v > 65535 ||
        (!server && v == 0)) {
        error_setg(errp, "chardev: socket: port must be a number from %d "
                   "to 65535, got '%s'", server ? 0 : 1, str ? str : "");
        return false;
    }
    *port = v;
    return true;
}

static int unix_socket_open(SocketChardev *s, Error **errp)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    struct stat st;
    int fd;

    if (strlen(s->path) >= sizeof(sun.sun_path)) {
        error_setg(errp, "chardev: socket: path '%s' is too long (at most "
                   "%zu bytes)", s->path, sizeof(sun.sun_path) - 1);
        return -1;
    }
    memcpy(sun.sun_path, s->path, strlen(s->path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Failed to create a unix socket");
        return -1;
    }
    if (s->is_listen) {
        /* A socket left by an earlier run would make bind fail; never
         * remove anything that is not a socket. */
        if (lstat(s->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
            unlink(s->path);
        }
        if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
            error_setg_errno(errp, errno, "Failed to bind socket to %s",
                             s->path);
            close(fd);
            return -1;
        }
        if (listen(fd, 1) < 0) {
            error_setg_errno(errp, errno, "Failed to listen on %s", s->path);
            unlink(s->path);
            close(fd);
            return -1;
        }
    } else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
        error_setg_errno(errp, errno, "Failed to connect to '%s'", s->path);
        close(fd);
        return -1;
    }
    return fd;
}

static int tcp_socket_open(SocketChardev *s, const char *host, int port,
                           Error **errp)
{
    struct addrinfo *res, *ai;
    int fd = -1, err = 0;

    if (s->is_listen) {
        fd = inet_listen(host, port, &port, errp);
        if (fd < 0) {
            return -1;
        }
        s->addr = g_strdup_printf("tcp:%s:%d", host ? host : "", port);
        return fd;
    }
    if (inet_resolve(host, port, false, &res, errp) < 0) {
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg_errno(errp, err, "Failed to connect to %s:%d",
                         host ? host : "", port);
        return -1;
    }
    s->addr = g_strdup_printf("tcp:%s:%d", host ? host : "", port);
    return fd;
}

static bool socket_chr_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    SocketChardev *s = (SocketChardev *)chr;
    const char *path = qemu_opt_get(opts, "path");
    const char *host = qemu_opt_get(opts, "host");
    const char *port_str = qemu_opt_get(opts, "port");
    bool wait;
    int port = 0;
    int fd;

    s->fd = -1;
    s->listen_fd = -1;
    s->reader.fd = -1;
    if (!qemu_opt_get_bool(opts, "server", false, &s->is_listen, errp) ||
        !qemu_opt_get_bool(opts, "wait", true, &wait, errp)) {
        return false;
    }
    if (path && (host || port_str)) {
        error_setg(errp, "chardev: socket: give either path= or host=/port=,"
                   " not both");
        return false;
    }
    if (path) {
        if (!*path) {
            error_setg(errp, "chardev: socket: empty path");
            return false;
        }
        s->is_unix = true;
        s->path = g_strdup(path);
        s->addr = g_strdup_printf("unix:%s", path);
        fd = unix_socket_open(s, errp);
    } else if (port_str) {
        if (!parse_port(port_str, s->is_listen, &port, errp)) {
            return false;
        }
        if (host && !*host) {
            host = NULL;
        }
        if (!host && !s->is_listen) {
            error_setg(errp, "chardev: socket: a client needs host=");
            return false;
        }
        fd = tcp_socket_open(s, host, port, errp);
    } else {
        error_setg(errp, "chardev: socket: needs path= (unix) or port= "
                   "(tcp)");
        return false;
    }
    if (fd < 0) {
        return false;
    }
    if (!s->is_listen) {
        socket_connected(s, fd);
        return true;
    }
    s->listen_fd = fd;
    socket_update_filename(s);
    if (wait) {
        int client;

        info_report("waiting for connection on: %s", chr->filename);
        do {
            client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        } while (client < 0 && errno == EINTR);
        if (client < 0) {
            error_setg_errno(errp, errno, "Failed to accept a connection on "
                             "%s", s->addr);
            return false;
        }
        qemu_set_nonblock(fd);
        socket_connected(s, client);
    } else {
        qemu_set_nonblock(fd);
        socket_set_accepting(s, true);
    }
    return true;
}

static int socket_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    SocketChardev *s = (SocketChardev *)chr;
    ssize_t n;

    if (s->fd < 0) {
        return len;
    }
    do {
        n = send(s->fd, buf, len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            errno = EAGAIN;
            return -1;
        }
        /* EPIPE, ECONNRESET: the client is gone; drop the data. */
        return len;
    }
    return n;
}

static void socket_chr_accept_input(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    if (s->fd >= 0) {
        char_fd_reader_accept_input(&s->reader);
    }
}

static void socket_chr_finalize(Chardev *chr)
{
    SocketChardev *s = (SocketChardev *)chr;

    char_fd_reader_stop(&s->reader);
    if (s->fd >= 0) {
        close(s->fd);
    }
    if (s->listen_fd >= 0) {
        socket_set_accepting(s, false);
        close(s->listen_fd);
        if (s->is_unix) {
            unlink(s->path);
        }
    }
    g_free(s->path);
    g_free(s->addr);
}

const ChardevClass char_socket_driver = {
    .name = "socket",
    .instance_size = sizeof(SocketChardev),
    .options = socket_options,
    .open = socket_chr_open,
    .chr_write = socket_chr_write,
    .chr_accept_input = socket_chr_accept_input,
    .finalize = socket_chr_finalize,
};
