/*
 * File descriptor handlers for the main loop.
 *
 * io_handlers is a plain list protected by io_handlers_lock:
 *   - any thread adds, changes or marks a record deleted under the lock
 *     (qemu_set_fd_handler) and then kicks the main loop;
 *   - only the main loop thread unlinks and frees records, at the end of
 *     iohandler_dispatch.
 * The main loop drops the lock around each callback.  The record it is
 * walking, and the next one it saved, stay allocated meanwhile because
 * nobody else frees records; a record deleted meanwhile is skipped.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/queue.h"
#include "qemu/thread.h"
#include "main-loop-internal.h"

typedef struct IOHandlerRecord {
    IOHandler *fd_read;
    IOHandler *fd_write;
    void *opaque;
    int fd;
    int pollfds_idx;        /* index in the current poll array, or -1 */
    bool deleted;
    QLIST_ENTRY(IOHandlerRecord) next;
} IOHandlerRecord;

static QLIST_HEAD(, IOHandlerRecord) io_handlers =
    QLIST_HEAD_INITIALIZER(io_handlers);
static QemuMutex io_handlers_lock;
static bool io_handlers_initialised;

void iohandler_init(void)
{
    if (!io_handlers_initialised) {
        qemu_mutex_init(&io_handlers_lock);
        io_handlers_initialised = true;
    }
}

void qemu_set_fd_handler(int fd, IOHandler *fd_read, IOHandler *fd_write,
                         void *opaque)
{
    IOHandlerRecord *ioh;

    assert(io_handlers_initialised && fd >= 0);
    qemu_mutex_lock(&io_handlers_lock);
    QLIST_FOREACH(ioh, &io_handlers, next) {
        if (ioh->fd == fd && !ioh->deleted) {
            break;
        }
    }
    if (!fd_read && !fd_write) {
        if (ioh) {
            ioh->deleted = true;
        }
    } else {
        if (!ioh) {
            ioh = g_new0(IOHandlerRecord, 1);
            ioh->fd = fd;
            ioh->pollfds_idx = -1;
            QLIST_INSERT_HEAD(&io_handlers, ioh, next);
        }
        ioh->fd_read = fd_read;
        ioh->fd_write = fd_write;
        ioh->opaque = opaque;
    }
    qemu_mutex_unlock(&io_handlers_lock);
    qemu_notify_event();
}

void iohandler_fill(GArray *pollfds)
{
    IOHandlerRecord *ioh;

    qemu_mutex_lock(&io_handlers_lock);
    QLIST_FOREACH(ioh, &io_handlers, next) {
        int events = 0;

        ioh->pollfds_idx = -1;
        if (ioh->deleted) {
            continue;
        }
        if (ioh->fd_read) {
            events |= G_IO_IN | G_IO_HUP | G_IO_ERR;
        }
        if (ioh->fd_write) {
            events |= G_IO_OUT | G_IO_ERR;
        }
        GPollFD pfd = { .fd = ioh->fd, .events = events };
        ioh->pollfds_idx = pollfds->len;
        g_array_append_val(pollfds, pfd);
    }
    qemu_mutex_unlock(&io_handlers_lock);
}

/*
 * Run cb(opaque) for ioh with the lock dropped.  Called and returns with
 * io_handlers_lock held; ioh stays allocated (only this thread frees).
 */
static void run_handler(IOHandlerRecord *ioh, IOHandler *cb)
{
    void *opaque = ioh->opaque;

    qemu_mutex_unlock(&io_handlers_lock);
    cb(opaque);
    qemu_mutex_lock(&io_handlers_lock);
}

void iohandler_dispatch(GArray *pollfds)
{
    IOHandlerRecord *ioh, *next;

    qemu_mutex_lock(&io_handlers_lock);
    QLIST_FOREACH(ioh, &io_handlers, next) {
        int revents;

        if (ioh->deleted || ioh->pollfds_idx < 0) {
            continue;
        }
        revents = g_array_index(pollfds, GPollFD, ioh->pollfds_idx).revents;
        ioh->pollfds_idx = -1;
        if (ioh->fd_read && (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
            run_handler(ioh, ioh->fd_read);
        }
        /* The read handler may have removed or changed this record. */
        if (!ioh->deleted && ioh->fd_write &&
            (revents & (G_IO_OUT | G_IO_ERR))) {
            run_handler(ioh, ioh->fd_write);
        }
    }
    QLIST_FOREACH_SAFE(ioh, &io_handlers, next, next) {
        if (ioh->deleted) {
            QLIST_REMOVE(ioh, next);
            g_free(ioh);
        }
    }
    qemu_mutex_unlock(&io_handlers_lock);
}
