/*
 * Socket helpers (include/qemu/sockets.h).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/sockets.h"
#include <sys/socket.h>
#include <netinet/in.h>

int inet_resolve(const char *host, int port, bool passive,
                 struct addrinfo **res, Error **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = passive ? AI_PASSIVE : 0,
    };
    char portstr[8];
    int rc;

    snprintf(portstr, sizeof(portstr), "%d", port);
    rc = getaddrinfo(host, portstr, &hints, res);
    if (rc != 0) {
        error_setg(errp, "address resolution failed for %s:%d: %s",
                   host ? host : "", port, gai_strerror(rc));
        return -1;
    }
    return 0;
}

int socket_bound_port(int fd, int fallback)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
        return fallback;
    }
    switch (ss.ss_family) {
    case AF_INET:
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    case AF_INET6:
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    default:
        return fallback;
    }
}

int inet_listen(const char *host, int port, int *bound_port, Error **errp)
{
    struct addrinfo *res, *ai;
    int fd = -1, err = 0;

    if (inet_resolve(host, port, true, &res, errp) < 0) {
        return -1;
    }
    for (ai = res; ai; ai = ai->ai_next) {
        int one = 1;

        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, 1) == 0) {
            break;
        }
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setg_errno(errp, err, "Failed to bind socket on %s:%d",
                         host ? host : "", port);
        return -1;
    }
    *bound_port = socket_bound_port(fd, port);
    return fd;
}
