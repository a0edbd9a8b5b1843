/*
 * A test client for monitors on unix socket chardevs: it runs the main
 * loop (where the monitor lives) while it waits for output.
 */
#ifndef TESTS_MONITOR_CLIENT_H
#define TESTS_MONITOR_CLIENT_H

typedef struct MonClient {
    int fd;
    GString *in;                /* received, not yet consumed */
} MonClient;

void mon_client_connect(MonClient *c, const char *path);
void mon_client_close(MonClient *c);
void mon_client_send(MonClient *c, const void *buf, size_t len);
void mon_client_send_str(MonClient *c, const char *s);
/* Run the loop until the input holds want; return and consume everything
 * up to and including it.  Fails the test after 10 s. */
char *mon_client_read_until(MonClient *c, const char *want);
/* Run the loop for a while; true if nothing arrived. */
bool mon_client_quiet(MonClient *c);

/* A chardev spec for a unix server socket in a fresh temporary dir. */
char *mon_socket_path(const char *name);

#endif /* TESTS_MONITOR_CLIENT_H */
