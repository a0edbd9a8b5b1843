/*
 * File descriptor handlers for the main loop.
 *
 * io_handlers is an RCU list:
 *   - writers (qemu_set_fd_handler, from any thread) hold io_handlers_lock
 *     and never change a published record: a new set of callbacks for an
 *     fd is a new record inserted in front of the old one, which is then
 *     marked deleted, unlinked with QLIST_REMOVE_RCU and freed by call_rcu;
 *   - the main loop walks the list without the lock, inside a read-side
 *     section that also covers the callbacks it runs (iohandler_fill and
 *     iohandler_dispatch).
 *
 * Why a removal is safe wherever it comes from:
 *   - from the handler's own callback: unlinking keeps the record's next
 *     pointer, so the walk goes on from it, and the record (still reachable
 *     by the walk) is freed only after the walk's read-side section ends;
 *     "deleted" keeps its other callback from running afterwards;
 *   - from another thread while the callback runs: likewise, the record
 *     outlives the section.  A callback that the main loop was about to
 *     start may still start after qemu_set_fd_handler returns, so such a
 *     caller frees opaque with call_rcu (a grace period ends the section).
 *
 * Fields of a record, once published: fd, fd_read, fd_write and opaque are
 * constant; deleted goes from false to true once, under the lock, and is
 * read by the main loop with qatomic_read; pollfds_idx belongs to the main
 * loop (written by iohandler_fill, read by iohandler_dispatch, both in one
 * iteration), and is -1 in a new record.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/rcu.h"
#include "qemu/rcu_queue.h"
#include "qemu/thread.h"
#include "main-loop-internal.h"

typedef struct IOHandlerRecord {
    struct rcu_head rcu;
    IOHandler *fd_read;
    IOHandler *fd_write;
    void *opaque;
    int fd;
    int pollfds_idx;        /* index in this iteration's poll array, or -1 */
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

/* Unlink ioh and free it after a grace period.  io_handlers_lock held. */
static void iohandler_retire(IOHandlerRecord *ioh)
{
    qatomic_set(&ioh->deleted, true);
    QLIST_REMOVE_RCU(ioh, next);
    g_free_rcu(ioh, rcu);
}

void qemu_set_fd_handler(int fd, IOHandler *fd_read, IOHandler *fd_write,
                         void *opaque)
{
    IOHandlerRecord *old, *ioh;

    assert(io_handlers_initialised && fd >= 0);
    qemu_mutex_lock(&io_handlers_lock);
    QLIST_FOREACH(old, &io_handlers, next) {
        if (old->fd == fd) {
            break;
        }
    }
    if (fd_read || fd_write) {
        ioh = g_new0(IOHandlerRecord, 1);
        ioh->fd = fd;
        ioh->fd_read = fd_read;
        ioh->fd_write = fd_write;
        ioh->opaque = opaque;
        ioh->pollfds_idx = -1;
        /* Complete before it is published: the insert is a release. */
        QLIST_INSERT_HEAD_RCU(&io_handlers, ioh, next);
    }
    if (old) {
        iohandler_retire(old);
    }
    qemu_mutex_unlock(&io_handlers_lock);
    qemu_notify_event();
}

void iohandler_fill(GArray *pollfds)
{
    IOHandlerRecord *ioh;

    RCU_READ_LOCK_GUARD();
    QLIST_FOREACH_RCU(ioh, &io_handlers, next) {
        GPollFD pfd = { .fd = ioh->fd };

        ioh->pollfds_idx = -1;
        if (qatomic_read(&ioh->deleted)) {
            continue;
        }
        if (ioh->fd_read) {
            pfd.events |= G_IO_IN | G_IO_HUP | G_IO_ERR;
        }
        if (ioh->fd_write) {
            pfd.events |= G_IO_OUT | G_IO_ERR;
        }
        ioh->pollfds_idx = pollfds->len;
        g_array_append_val(pollfds, pfd);
    }
}

void iohandler_dispatch(GArray *pollfds)
{
    IOHandlerRecord *ioh;

    /*
     * Callbacks run inside the section: they must not wait for a grace
     * period (synchronize_rcu, drain_call_rcu), which would abort.
     */
    RCU_READ_LOCK_GUARD();
    QLIST_FOREACH_RCU(ioh, &io_handlers, next) {
        int revents;

        /* Added since iohandler_fill, or removed: not polled for. */
        if (ioh->pollfds_idx < 0 || qatomic_read(&ioh->deleted)) {
            continue;
        }
        revents = g_array_index(pollfds, GPollFD, ioh->pollfds_idx).revents;
        ioh->pollfds_idx = -1;
        if (ioh->fd_read && (revents & (G_IO_IN | G_IO_HUP | G_IO_ERR))) {
            ioh->fd_read(ioh->opaque);
        }
        /* The read callback may have removed or replaced this handler. */
        if (ioh->fd_write && (revents & (G_IO_OUT | G_IO_ERR)) &&
            !qatomic_read(&ioh->deleted)) {
            ioh->fd_write(ioh->opaque);
        }
    }
}
