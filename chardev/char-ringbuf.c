/*
 * The ringbuf chardev: output is kept in memory, in a ring of size= bytes
 * (a power of 2, 64 KiB by default) that keeps the newest bytes when it
 * overflows.  qemu_chr_ringbuf_read takes what is there.  For tests, and
 * for anyone who wants a guest's console without a terminal.
 */
#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qapi/error.h"
#include "chardev-internal.h"

typedef struct RingBufChardev {
    Chardev parent;
    /* Under parent.chr_write_lock. */
    uint8_t *data;
    size_t size;                /* a power of 2 */
    size_t prod, cons;          /* free-running; prod - cons <= size */
} RingBufChardev;

static const char *const ringbuf_options[] = { "size", NULL };

static bool ringbuf_chr_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    RingBufChardev *s = (RingBufChardev *)chr;
    uint64_t size;

    if (!qemu_opt_get_size(opts, "size", 64 * KiB, &size, errp)) {
        return false;
    }
    if (size == 0 || (size & (size - 1)) || size > 1 * GiB) {
        error_setg(errp, "chardev: ringbuf: size must be a power of 2 "
                   "between 1 and 1G, got %" PRIu64, size);
        return false;
    }
    s->size = size;
    s->data = g_malloc(size);
    chr->be_open = 1;
    return true;
}

static int ringbuf_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    RingBufChardev *s = (RingBufChardev *)chr;

    for (int i = 0; i < len; i++) {
        s->data[s->prod++ & (s->size - 1)] = buf[i];
        if (s->prod - s->cons > s->size) {
            s->cons = s->prod - s->size;
        }
    }
    return len;
}

char *qemu_chr_ringbuf_read(Chardev *chr)
{
    RingBufChardev *s = (RingBufChardev *)chr;
    GString *out = g_string_new(NULL);

    assert(chr->driver == &char_ringbuf_driver);
    qemu_mutex_lock(&chr->chr_write_lock);
    while (s->cons != s->prod) {
        g_string_append_c(out, s->data[s->cons++ & (s->size - 1)]);
    }
    qemu_mutex_unlock(&chr->chr_write_lock);
    return g_string_free(out, false);
}

static void ringbuf_chr_finalize(Chardev *chr)
{
    RingBufChardev *s = (RingBufChardev *)chr;

    g_free(s->data);
}

const ChardevClass char_ringbuf_driver = {
    .name = "ringbuf",
    .instance_size = sizeof(RingBufChardev),
    .options = ringbuf_options,
    .open = ringbuf_chr_open,
    .chr_write = ringbuf_chr_write,
    .finalize = ringbuf_chr_finalize,
};
