/*
 * The mux chardev: up to MAX_MUX front ends (a serial port and a monitor,
 * typically) share one backend, as -nographic and "mon:stdio" arrange.
 *
 * Output from every front end goes to the backend.  Input goes to the
 * front end that has the focus.  Ctrl-A is the escape key:
 *   Ctrl-A x        quit (a shutdown request, cause "host-ui")
 *   Ctrl-A c        move the focus to the next front end (MUX_OUT to the
 *                   old one, MUX_IN to the new one)
 *   Ctrl-A h or ?   print the keys
 *   Ctrl-A b        send a break to the focused front end
 *   Ctrl-A a, Ctrl-A Ctrl-A   a literal Ctrl-A
 *   Ctrl-A other    Ctrl-A and the key are both passed on
 *
 * Each front end has a small input buffer, so that the escape keys work
 * even while the focused device is not taking input (a guest that does not
 * drain its UART): the mux takes bytes while there is room and hands them
 * over when the front end calls qemu_chr_fe_accept_input.
 *
 * Front ends attach in any order while the machine is built; the mux
 * tells them about the backend from the main loop (a bottom half), once
 * they are all there: the most recently attached takes the focus (the
 * serial port, attached by the board after the monitor), the others get
 * MUX_OUT, and each gets CHR_EVENT_OPENED if the backend is connected.
 *
 * Everything runs in the main loop with the BQL held, except writes
 * (any BQL holder).
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qapi/error.h"
#include "sysemu/runstate.h"
#include "chardev-internal.h"

#define MAX_MUX         4
#define MUX_BUFFER_SIZE 32
#define MUX_ESCAPE_CHAR 0x01    /* Ctrl-A */

typedef struct MuxFrontEnd {
    CharBackend *be;            /* NULL: free slot */
    bool synced;                /* told about the backend's state */
    uint8_t buf[MUX_BUFFER_SIZE];
    unsigned prod, cons;        /* free-running */
} MuxFrontEnd;

typedef struct MuxChardev {
    Chardev parent;
    CharBackend base_be;        /* this mux as the base's front end */
    Chardev *base;
    MuxFrontEnd fes[MAX_MUX];
    int count;                  /* slots in use, filled from 0 */
    int focus;                  /* index into fes, -1: none yet */
    int last_attached;          /* the one that gets the focus at sync */
    bool escape;                /* Ctrl-A seen */
    QEMUBH *sync_bh;
} MuxChardev;

bool chardev_is_mux(Chardev *chr)
{
    return chr->driver == &char_mux_driver;
}

static MuxFrontEnd *mux_focused(MuxChardev *d)
{
    return d->focus >= 0 ? &d->fes[d->focus] : NULL;
}

static void mux_fe_event(MuxFrontEnd *fe, QEMUChrEvent event)
{
    if (fe->be && fe->be->chr_event) {
        fe->be->chr_event(fe->be->opaque, event);
    }
}

static void mux_print(MuxChardev *d, const char *msg)
{
    qemu_chr_fe_write_all(&d->base_be, (const uint8_t *)msg, strlen(msg));
}

/* Hand fe's buffered input to it, as much as it takes. */
static void mux_drain(MuxFrontEnd *fe)
{
    CharBackend *be = fe->be;

    while (be && fe->cons != fe->prod && be->chr_read) {
        unsigned start = fe->cons % MUX_BUFFER_SIZE;
        int avail = MIN(fe->prod - fe->cons, MUX_BUFFER_SIZE - start);
        int room = be->chr_can_read ? be->chr_can_read(be->opaque) : avail;

        if (room <= 0) {
            return;
        }
        avail = MIN(avail, room);
        fe->cons += avail;
        be->chr_read(be->opaque, fe->buf + start, avail);
    }
}

static void mux_deliver(MuxChardev *d, uint8_t byte)
{
    MuxFrontEnd *fe = mux_focused(d);

    if (!fe || !fe->be || !fe->be->chr_read) {
        return;     /* nobody listens: dropped */
    }
    /* mux_can_read never offers more than the buffer holds. */
    assert(fe->prod - fe->cons < MUX_BUFFER_SIZE);
    fe->buf[fe->prod++ % MUX_BUFFER_SIZE] = byte;
}

static void mux_set_focus(MuxChardev *d, int focus)
{
    MuxFrontEnd *old = mux_focused(d);

    if (old && d->focus != focus) {
        mux_fe_event(old, CHR_EVENT_MUX_OUT);
    }
    d->focus = focus;
    mux_fe_event(&d->fes[focus], CHR_EVENT_MUX_IN);
}

static void mux_help(MuxChardev *d)
{
    mux_print(d, "\r\n"
              "C-a h    print this help\r\n"
              "C-a x    exit emulator\r\n"
              "C-a b    send break\r\n"
              "C-a c    switch between console and monitor\r\n"
              "C-a a    send C-a (so does C-a C-a)\r\n");
}

/* The key after Ctrl-A. */
static void mux_escape(MuxChardev *d, uint8_t key)
{
    switch (key) {
    case 'x':
        mux_print(d, "QEMU: Terminated\r\n");
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_HOST_UI);
        break;
    case 'c':
        if (d->count > 0) {
            mux_set_focus(d, (d->focus + 1) % d->count);
            qemu_chr_fe_accept_input(&d->base_be);
        }
        break;
    case 'h':
    case '?':
        mux_help(d);
        break;
    case 'b':
        if (mux_focused(d)) {
            mux_fe_event(mux_focused(d), CHR_EVENT_BREAK);
        }
        break;
    case 'a':
    case MUX_ESCAPE_CHAR:
        mux_deliver(d, MUX_ESCAPE_CHAR);
        break;
    default:
        mux_deliver(d, MUX_ESCAPE_CHAR);
        mux_deliver(d, key);
        break;
    }
}

static int mux_can_read(void *opaque)
{
    MuxChardev *d = opaque;
    MuxFrontEnd *fe = mux_focused(d);

    if (!fe) {
        return 1;   /* escapes still work; the rest is dropped */
    }
    /* Two bytes per input byte at worst (Ctrl-A + an unknown key). */
    return (MUX_BUFFER_SIZE - (fe->prod - fe->cons)) / 2;
}

static void mux_read(void *opaque, const uint8_t *buf, int len)
{
    MuxChardev *d = opaque;

    for (int i = 0; i < len; i++) {
        if (d->escape) {
            d->escape = false;
            mux_escape(d, buf[i]);
        } else if (buf[i] == MUX_ESCAPE_CHAR) {
            d->escape = true;
        } else {
            mux_deliver(d, buf[i]);
        }
    }
    if (mux_focused(d)) {
        mux_drain(mux_focused(d));
    }
}

static void mux_event(void *opaque, QEMUChrEvent event)
{
    MuxChardev *d = opaque;

    if (event == CHR_EVENT_OPENED || event == CHR_EVENT_CLOSED) {
        d->parent.be_open = event == CHR_EVENT_OPENED;
    }
    if (event == CHR_EVENT_BREAK) {
        if (mux_focused(d)) {
            mux_fe_event(mux_focused(d), event);
        }
        return;
    }
    for (int i = 0; i < d->count; i++) {
        if (d->fes[i].synced) {
            mux_fe_event(&d->fes[i], event);
        }
    }
}

/* Tell newly attached front ends the backend's state; see the top. */
static void mux_sync(void *opaque)
{
    MuxChardev *d = opaque;
    int target = d->last_attached;

    for (int i = 0; i < d->count; i++) {
        MuxFrontEnd *fe = &d->fes[i];

        if (fe->synced || !fe->be->chr_event) {
            continue;
        }
        fe->synced = true;
        if (i != target) {
            mux_fe_event(fe, CHR_EVENT_MUX_OUT);
        }
        if (d->parent.be_open) {
            mux_fe_event(fe, CHR_EVENT_OPENED);
        }
    }
    if (target >= 0 && target < d->count && d->focus != target) {
        mux_set_focus(d, target);
        /* The new focus may have room where the old one had none. */
        qemu_chr_fe_accept_input(&d->base_be);
    }
}

bool mux_chr_attach_fe(Chardev *mux, CharBackend *b, Error **errp)
{
    MuxChardev *d = (MuxChardev *)mux;

    if (d->count >= MAX_MUX) {
        error_setg(errp, "Device '%s' is in use by %d front ends, the most "
                   "a mux takes", mux->label, MAX_MUX);
        return false;
    }
    memset(&d->fes[d->count], 0, sizeof(d->fes[d->count]));
    d->fes[d->count].be = b;
    b->tag = d->count++;
    return true;
}

int mux_chr_detach_fe(Chardev *mux, CharBackend *b)
{
    MuxChardev *d = (MuxChardev *)mux;
    int tag = b->tag;

    assert(tag >= 0 && tag < d->count && d->fes[tag].be == b);
    /* Keep the slots dense so that Ctrl-A c cycles over live ones. */
    for (int i = tag; i < d->count - 1; i++) {
        d->fes[i] = d->fes[i + 1];
        d->fes[i].be->tag = i;
    }
    d->count--;
    if (d->focus == tag) {
        d->focus = -1;
    } else if (d->focus > tag) {
        d->focus--;
    }
    if (d->last_attached >= d->count) {
        d->last_attached = d->count - 1;
    }
    return d->count;
}

void mux_chr_fe_handlers_set(Chardev *mux, CharBackend *b)
{
    MuxChardev *d = (MuxChardev *)mux;

    d->fes[b->tag].synced = false;
    d->last_attached = b->tag;
    qemu_bh_schedule(d->sync_bh);
}

/* Called by chardev_new on behalf of mux_chr_new (opts is NULL). */
static bool mux_chr_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    MuxChardev *d = (MuxChardev *)chr;

    d->focus = -1;
    d->last_attached = -1;
    d->sync_bh = qemu_bh_new(mux_sync, d);
    return true;
}

Chardev *mux_chr_new(const char *label, Chardev *base, Error **errp)
{
    MuxChardev *d;
    Chardev *chr;

    chr = chardev_new(&char_mux_driver, label, NULL, errp);
    if (!chr) {
        return NULL;
    }
    d = (MuxChardev *)chr;
    if (!qemu_chr_fe_init(&d->base_be, base, errp)) {
        qemu_chr_delete(chr);
        return NULL;
    }
    d->base = base;
    chr->be_open = base->be_open;
    chardev_set_filename(chr, "mux:%s", base->filename);
    qemu_chr_fe_set_handlers(&d->base_be, mux_can_read, mux_read, mux_event,
                             NULL, d, NULL, true);
    return chr;
}

static int mux_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    MuxChardev *d = (MuxChardev *)chr;

    return qemu_chr_fe_write(&d->base_be, buf, len);
}

static void mux_chr_accept_input(Chardev *chr)
{
    MuxChardev *d = (MuxChardev *)chr;

    if (mux_focused(d)) {
        mux_drain(mux_focused(d));
    }
    qemu_chr_fe_accept_input(&d->base_be);
}

static void mux_chr_finalize(Chardev *chr)
{
    MuxChardev *d = (MuxChardev *)chr;

    assert(d->count == 0);
    if (d->sync_bh) {
        qemu_bh_delete(d->sync_bh);
    }
    if (d->base) {
        qemu_chr_fe_deinit(&d->base_be, true);
    }
}

const ChardevClass char_mux_driver = {
    .name = "mux",
    .instance_size = sizeof(MuxChardev),
    .open = mux_chr_open,
    .chr_write = mux_chr_write,
    .chr_accept_input = mux_chr_accept_input,
    .finalize = mux_chr_finalize,
};
