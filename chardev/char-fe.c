/*
 * The front-end side of character devices (include/chardev/char-fe.h):
 * attaching a device or monitor to a chardev, its handlers, and writes.
 *
 * CharBackend fields are written by the front end's owner under the BQL
 * (init, set_handlers, deinit) and read by the backend in the main loop
 * under the BQL.  Writes may come from any thread holding the BQL; the
 * chardev's chr_write_lock also serialises them against each other.
 */
#include "qemu/osdep.h"
#include "chardev/char.h"
#include "chardev-internal.h"
#include "qapi/error.h"

bool qemu_chr_fe_init(CharBackend *b, Chardev *s, Error **errp)
{
    memset(b, 0, sizeof(*b));
    if (!s) {
        return true;
    }
    if (chardev_is_mux(s)) {
        if (!mux_chr_attach_fe(s, b, errp)) {
            return false;
        }
    } else if (s->be) {
        error_setg(errp, "Device '%s' is in use", s->label);
        return false;
    } else {
        s->be = b;
    }
    b->chr = s;
    return true;
}

void qemu_chr_fe_deinit(CharBackend *b, bool del)
{
    Chardev *s = b->chr;
    bool last = true;

    if (!s) {
        return;
    }
    if (chardev_is_mux(s)) {
        last = mux_chr_detach_fe(s, b) == 0;
    } else {
        assert(s->be == b);
        s->be = NULL;
    }
    memset(b, 0, sizeof(*b));
    if (del && last) {
        qemu_chr_delete(s);
    }
}

Chardev *qemu_chr_fe_get_driver(CharBackend *be)
{
    return be->chr;
}

bool qemu_chr_fe_backend_connected(CharBackend *be)
{
    return be->chr != NULL;
}

void qemu_chr_fe_set_handlers(CharBackend *b,
                              IOCanReadHandler *fd_can_read,
                              IOReadHandler *fd_read,
                              IOEventHandler *fd_event,
                              BackendChangeHandler *be_change,
                              void *opaque,
                              GMainContext *context,
                              bool set_open)
{
    Chardev *s = b->chr;
    bool had_handlers = b->chr_read || b->chr_event || b->chr_can_read;

    /* Grace runs every chardev in the main loop. */
    assert(context == NULL);
    b->chr_can_read = fd_can_read;
    b->chr_read = fd_read;
    b->chr_event = fd_event;
    b->chr_be_change = be_change;
    b->opaque = opaque;
    if (!s) {
        return;
    }
    b->fe_open = set_open;
    if (chardev_is_mux(s)) {
        /* The mux tells the new front end about the backend's state (and
         * focus) from the main loop, once every front end is attached.
         * Clearing the handlers does not make a front end take focus. */
        if (fd_event || fd_read) {
            mux_chr_fe_handlers_set(s, b);
        }
    } else if (fd_event && !had_handlers && s->be_open) {
        /* A front end attaching to a connected backend hears it opened. */
        fd_event(opaque, CHR_EVENT_OPENED);
    }
    /* Start (or resume) reading now that someone listens. */
    if (fd_read && s->driver->chr_accept_input) {
        s->driver->chr_accept_input(s);
    }
}

void qemu_chr_fe_accept_input(CharBackend *be)
{
    Chardev *s = be->chr;

    if (s && s->driver->chr_accept_input) {
        s->driver->chr_accept_input(s);
    }
}

/*
 * One call of the driver's chr_write under the write lock.  With no
 * backend, data is dropped and reported as written.
 */
static int chr_write_once(Chardev *s, const uint8_t *buf, int len)
{
    int ret;

    qemu_mutex_lock(&s->chr_write_lock);
    ret = s->driver->chr_write(s, buf, len);
    qemu_mutex_unlock(&s->chr_write_lock);
    return ret;
}

int qemu_chr_fe_write(CharBackend *be, const uint8_t *buf, int len)
{
    Chardev *s = be->chr;

    if (!s || len <= 0) {
        return len;
    }
    return chr_write_once(s, buf, len);
}

int qemu_chr_fe_write_all(CharBackend *be, const uint8_t *buf, int len)
{
    Chardev *s = be->chr;
    int done = 0;

    if (!s || len <= 0) {
        return len;
    }
    /*
     * Backends only return EAGAIN while their peer is slow to read (a
     * socket client with a full receive buffer); wait for it the way a
     * blocking write would.  A peer that goes away turns into a
     * disconnect, whose writes are dropped, so this ends.
     */
    while (done < len) {
        int ret = chr_write_once(s, buf + done, len - done);

        if (ret < 0) {
            if (errno == EAGAIN || errno == EINTR) {
                g_usleep(100);
                continue;
            }
            return done ? done : -1;
        }
        done += ret;
    }
    return done;
}

void qemu_chr_fe_printf(CharBackend *be, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qemu_chr_fe_write_all(be, (const uint8_t *)msg, strlen(msg));
}
