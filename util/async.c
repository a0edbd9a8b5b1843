/*
 * Bottom halves.
 *
 * The BH list (first_bh, QEMUBH.next) is protected by bh_lock:
 *   - any thread inserts at the head (qemu_bh_new);
 *   - only the main loop thread unlinks and frees, in qemu_bh_poll when
 *     no walk of the list is in progress (bh_walking == 0).
 * QEMUBH.scheduled is an atomic that any thread may set; the main loop
 * claims a scheduled BH with an atomic exchange, so a BH scheduled twice
 * before it runs runs once, and one scheduled while it runs runs again.
 * QEMUBH.deleted is set under bh_lock by any thread and read by the main
 * loop; it is an atomic because qemu_bh_poll reads it with the lock
 * dropped around callbacks.
 *
 * qemu_bh_schedule sets scheduled before it kicks the main loop (the
 * exchange is a full barrier, the kick a system call), and the main loop
 * reads scheduled after its poll returns: a schedule is never missed.
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/atomic.h"
#include "qemu/thread.h"
#include "main-loop-internal.h"

struct QEMUBH {
    QEMUBHFunc *cb;
    void *opaque;
    QEMUBH *next;
    bool scheduled;
    bool deleted;
};

static QEMUBH *first_bh;
static QemuMutex bh_lock;
static bool bh_initialised;
static int bh_walking;          /* main loop thread only */

void bh_init(void)
{
    if (!bh_initialised) {
        qemu_mutex_init(&bh_lock);
        bh_initialised = true;
    }
}

QEMUBH *qemu_bh_new(QEMUBHFunc *cb, void *opaque)
{
    QEMUBH *bh = g_new0(QEMUBH, 1);

    assert(bh_initialised);
    bh->cb = cb;
    bh->opaque = opaque;
    qemu_mutex_lock(&bh_lock);
    bh->next = first_bh;
    first_bh = bh;
    qemu_mutex_unlock(&bh_lock);
    return bh;
}

void qemu_bh_schedule(QEMUBH *bh)
{
    if (qatomic_xchg(&bh->scheduled, true)) {
        return;
    }
    qemu_notify_event();
}

void qemu_bh_cancel(QEMUBH *bh)
{
    qatomic_set(&bh->scheduled, false);
}

void qemu_bh_delete(QEMUBH *bh)
{
    /*
     * Under bh_lock, so that the main loop, which frees deleted BHs under
     * the same lock, frees only after these stores: the lock orders them.
     */
    qemu_mutex_lock(&bh_lock);
    qatomic_set(&bh->scheduled, false);
    qatomic_set(&bh->deleted, true);
    qemu_mutex_unlock(&bh_lock);
}

bool qemu_bh_any_scheduled(void)
{
    bool ret = false;

    qemu_mutex_lock(&bh_lock);
    for (QEMUBH *bh = first_bh; bh; bh = bh->next) {
        if (qatomic_read(&bh->scheduled) && !qatomic_read(&bh->deleted)) {
            ret = true;
            break;
        }
    }
    qemu_mutex_unlock(&bh_lock);
    return ret;
}

bool qemu_bh_poll(void)
{
    bool progress = false;
    QEMUBH *bh, **bhp;

    qemu_mutex_lock(&bh_lock);
    bh_walking++;
    for (bh = first_bh; bh; bh = bh->next) {
        if (qatomic_read(&bh->deleted) || !qatomic_xchg(&bh->scheduled, false)) {
            continue;
        }
        /* bh cannot be freed meanwhile: bh_walking is non-zero. */
        qemu_mutex_unlock(&bh_lock);
        bh->cb(bh->opaque);
        progress = true;
        qemu_mutex_lock(&bh_lock);
    }
    bh_walking--;

    if (bh_walking == 0) {
        bhp = &first_bh;
        while ((bh = *bhp) != NULL) {
            if (qatomic_read(&bh->deleted)) {
                *bhp = bh->next;
                g_free(bh);
            } else {
                bhp = &bh->next;
            }
        }
    }
    qemu_mutex_unlock(&bh_lock);
    return progress;
}
