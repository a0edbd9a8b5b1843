/*
 * Socket helpers shared by the socket chardev and migration.
 */
#ifndef QEMU_SOCKETS_H
#define QEMU_SOCKETS_H

#include <netdb.h>
#include "qapi/error.h"

/*
 * Resolve host:port for a stream socket (passive: to listen; host may
 * then be NULL for every address).  0 with *res (freeaddrinfo it), or
 * -1 with *errp.
 */
int inet_resolve(const char *host, int port, bool passive,
                 struct addrinfo **res, Error **errp);

/*
 * A stream socket listening on host:port (host NULL: every address),
 * with SO_REUSEADDR and a backlog of 1; *bound_port is its port (the
 * kernel's choice for port 0).  The fd, or -1 with *errp.
 */
int inet_listen(const char *host, int port, int *bound_port, Error **errp);

/* The port a bound inet socket has (the kernel's choice for port 0);
 * fallback if fd is not an inet socket or cannot say. */
int socket_bound_port(int fd, int fallback);

#endif /* QEMU_SOCKETS_H */
