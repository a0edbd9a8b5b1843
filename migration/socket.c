/*
 * Where a migration stream goes and comes from (migration/migration.h):
 * tcp:HOST:PORT, unix:PATH and file:PATH, as QEMU spells them.
 *
 * Connecting runs on the migration thread and polls, so that a cancel
 * (the flag) is seen within 100 ms even while a remote host does not
 * answer.  Listening and accepting happen in the main loop.
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/cutils.h"
#include "qemu/sockets.h"
#include "migration/migration.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

bool migration_uri_parse(const char *uri, MigrationUri *u, Error **errp)
{
    const char *rest;

    memset(u, 0, sizeof(*u));
    if (strstart(uri, "unix:", &rest)) {
        u->kind = MIGRATION_URI_UNIX;
    } else if (strstart(uri, "file:", &rest)) {
        u->kind = MIGRATION_URI_FILE;
    } else if (strstart(uri, "tcp:", &rest)) {
        const char *colon = strrchr(rest, ':');
        unsigned port;

        u->kind = MIGRATION_URI_TCP;
        if (!colon || qemu_strtoui(colon + 1, NULL, 10, &port) < 0 ||
            port > 65535) {
            error_setg(errp, "invalid migration URI '%s': expected "
                       "tcp:HOST:PORT", uri);
            return false;
        }
        u->port = port;
        /* [::1]:4444 */
        if (rest[0] == '[' && colon > rest && colon[-1] == ']') {
            u->host = g_strndup(rest + 1, colon - rest - 2);
        } else {
            u->host = g_strndup(rest, colon - rest);
        }
        return true;
    } else {
        error_setg(errp, "invalid migration URI '%s': Grace supports "
                   "tcp:HOST:PORT, unix:PATH and file:PATH", uri);
        return false;
    }
    if (!*rest) {
        error_setg(errp, "invalid migration URI '%s': empty path", uri);
        return false;
    }
    u->path = g_strdup(rest);
    return true;
}

void migration_uri_free(MigrationUri *u)
{
    g_free(u->host);
    g_free(u->path);
}

static bool unix_address(const char *path, struct sockaddr_un *sun,
                         Error **errp)
{
    memset(sun, 0, sizeof(*sun));
    sun->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun->sun_path)) {
        error_setg(errp, "UNIX socket path '%s' is too long (at most %zu "
                   "bytes)", path, sizeof(sun->sun_path) - 1);
        return false;
    }
    memcpy(sun->sun_path, path, strlen(path));
    return true;
}

/*
 * Connect fd to addr, polling so that *cancel (set by another thread) is
 * noticed; true when connected.
 */
static bool connect_polled(int fd, const struct sockaddr *addr,
                           socklen_t len, const bool *cancel, int *err)
{
    int flags = fcntl(fd, F_GETFL);

    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (connect(fd, addr, len) < 0) {
        if (errno != EINPROGRESS) {
            *err = errno;
            return false;
        }
        for (;;) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            socklen_t elen = sizeof(*err);

            if (qatomic_read(cancel)) {
                *err = ECANCELED;
                return false;
            }
            if (poll(&pfd, 1, 100) == 0) {
                continue;
            }
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &elen) < 0) {
                *err = errno;
                return false;
            }
            if (*err) {
                return false;
            }
            break;
        }
    }
    fcntl(fd, F_SETFL, flags);
    return true;
}

int migration_uri_connect(const MigrationUri *u, const bool *cancel,
                          Error **errp)
{
    int fd = -1, err = 0;

    switch (u->kind) {
    case MIGRATION_URI_FILE:
        fd = open(u->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            error_setg_errno(errp, errno, "cannot create '%s'", u->path);
        }
        return fd;
    case MIGRATION_URI_UNIX: {
        struct sockaddr_un sun;

        if (!unix_address(u->path, &sun, errp)) {
            return -1;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || !connect_polled(fd, (struct sockaddr *)&sun,
                                      sizeof(sun), cancel, &err)) {
            error_setg_errno(errp, fd < 0 ? errno : err,
                             "cannot connect to '%s'", u->path);
            if (fd >= 0) {
                close(fd);
            }
            return -1;
        }
        return fd;
    }
    case MIGRATION_URI_TCP: {
        struct addrinfo *res, *ai;

        if (inet_resolve(u->host, u->port, false, &res, errp) < 0) {
            return -1;
        }
        for (ai = res; ai; ai = ai->ai_next) {
            fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                        ai->ai_protocol);
            if (fd < 0) {
                err = errno;
                continue;
            }
            if (connect_polled(fd, ai->ai_addr, ai->ai_addrlen, cancel,
                               &err)) {
                int one = 1;

                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                break;
            }
            close(fd);
            fd = -1;
            if (err == ECANCELED) {
                break;
            }
        }
        freeaddrinfo(res);
        if (fd < 0) {
            error_setg_errno(errp, err, "cannot connect to %s:%d", u->host,
                             u->port);
        }
        return fd;
    }
    }
    g_assert_not_reached();
}

int migration_uri_listen(const MigrationUri *u, int *port, Error **errp)
{
    int fd = -1;

    switch (u->kind) {
    case MIGRATION_URI_FILE:
        fd = open(u->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            error_setg_errno(errp, errno, "cannot open '%s'", u->path);
        }
        return fd;
    case MIGRATION_URI_UNIX: {
        struct sockaddr_un sun;
        struct stat st;

        if (!unix_address(u->path, &sun, errp)) {
            return -1;
        }
        /* A socket left by an earlier run; never remove anything else. */
        if (lstat(u->path, &st) == 0 && S_ISSOCK(st.st_mode)) {
            unlink(u->path);
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
            listen(fd, 1) < 0) {
            error_setg_errno(errp, errno, "cannot listen on '%s'", u->path);
            if (fd >= 0) {
                close(fd);
            }
            return -1;
        }
        return fd;
    }
    case MIGRATION_URI_TCP:
        return inet_listen(*u->host ? u->host : NULL, u->port, port, errp);
    }
    g_assert_not_reached();
}
