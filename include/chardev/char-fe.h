/*
 * The front-end side of character devices: what a device (UART, monitor)
 * uses to talk to a Chardev backend (stdio, file, socket...).
 *
 * Threads: the read/can_read/event handlers run in the main loop thread
 * with the BQL held.  qemu_chr_fe_write* may be called from any thread
 * holding the BQL (a vCPU writing the UART's THR holds it).
 */
#ifndef CHARDEV_CHAR_FE_H
#define CHARDEV_CHAR_FE_H

typedef struct Chardev Chardev;
typedef struct Error Error;

typedef enum QEMUChrEvent {
    CHR_EVENT_BREAK,        /* serial break */
    CHR_EVENT_OPENED,       /* the backend connected (a client arrived) */
    CHR_EVENT_MUX_IN,       /* a mux switched focus to this front end */
    CHR_EVENT_MUX_OUT,      /* ... and away from it */
    CHR_EVENT_CLOSED,       /* the backend disconnected */
} QEMUChrEvent;

/* How many bytes the front end can take now (0: none, try later). */
typedef int IOCanReadHandler(void *opaque);
typedef void IOReadHandler(void *opaque, const uint8_t *buf, int size);
typedef void IOEventHandler(void *opaque, QEMUChrEvent event);
typedef int BackendChangeHandler(void *opaque);

typedef struct CharBackend {
    Chardev *chr;
    IOEventHandler *chr_event;
    IOCanReadHandler *chr_can_read;
    IOReadHandler *chr_read;
    BackendChangeHandler *chr_be_change;
    void *opaque;
    int tag;                /* index of this front end in a mux */
    int fe_open;
} CharBackend;

/*
 * Attach b to chardev s (which may be NULL: a front end with no backend,
 * whose writes are dropped).  False with *errp if s is already in use by
 * another front end and is not a mux.
 */
bool qemu_chr_fe_init(CharBackend *b, Chardev *s, Error **errp);
/* Detach; with del, also destroy the chardev. */
void qemu_chr_fe_deinit(CharBackend *b, bool del);

Chardev *qemu_chr_fe_get_driver(CharBackend *be);
bool qemu_chr_fe_backend_connected(CharBackend *be);

/*
 * Install the front end's handlers (any may be NULL).  context must be
 * NULL (the main loop).  With set_open, the front end is marked open.
 */
void qemu_chr_fe_set_handlers(CharBackend *b,
                              IOCanReadHandler *fd_can_read,
                              IOReadHandler *fd_read,
                              IOEventHandler *fd_event,
                              BackendChangeHandler *be_change,
                              void *opaque,
                              GMainContext *context,
                              bool set_open);

/*
 * The front end can take input again after saying 0 in can_read.  A
 * backend stops polling its input when can_read says 0 and only resumes
 * after this call, so a front end that ever answers 0 must make it once
 * it has room again (a UART when the guest reads its receive register).
 */
void qemu_chr_fe_accept_input(CharBackend *be);

/*
 * Write to the backend.  qemu_chr_fe_write may write less than len (or
 * return -1 with errno EAGAIN); qemu_chr_fe_write_all writes everything
 * or fails.  Both return the bytes written, or -1.  With no backend, or
 * a disconnected socket, the data is dropped and len is returned.
 */
int qemu_chr_fe_write(CharBackend *be, const uint8_t *buf, int len);
int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len);
void qemu_chr_fe_printf(CharBackend *be, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

#endif /* CHARDEV_CHAR_FE_H */
