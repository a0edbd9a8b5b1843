/*
 * Reading a chardev's input from a file descriptor in the main loop,
 * paced by the front end (see CharFdReader in chardev-internal.h).
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "chardev-internal.h"

#define CHAR_READ_BUF_SIZE 4096

static void char_fd_reader_set_polling(CharFdReader *r, bool on);

static void char_fd_reader_read(void *opaque)
{
    CharFdReader *r = opaque;
    uint8_t buf[CHAR_READ_BUF_SIZE];
    int room;
    ssize_t n;

    if (r->fd < 0) {
        return;
    }
    room = qemu_chr_be_can_write(r->chr);
    if (room <= 0) {
        /* Wait for qemu_chr_fe_accept_input rather than spin. */
        char_fd_reader_set_polling(r, false);
        return;
    }
    do {
        n = read(r->fd, buf, MIN(room, (int)sizeof(buf)));
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        qemu_chr_be_write(r->chr, buf, n);
        return;
    }
    if (n < 0 && errno == EAGAIN) {
        return;
    }
    /* End of file, or the peer reset the connection. */
    char_fd_reader_stop(r);
    if (r->eof) {
        r->eof(r->chr);
    }
}

static void char_fd_reader_set_polling(CharFdReader *r, bool on)
{
    if (r->polling == on || r->fd < 0) {
        return;
    }
    r->polling = on;
    qemu_set_fd_handler(r->fd, on ? char_fd_reader_read : NULL, NULL, r);
}

void char_fd_reader_start(CharFdReader *r, Chardev *chr, int fd,
                          void (*eof)(Chardev *chr))
{
    assert(fd >= 0);
    r->chr = chr;
    r->fd = fd;
    r->polling = false;
    r->eof = eof;
    char_fd_reader_set_polling(r, true);
}

void char_fd_reader_stop(CharFdReader *r)
{
    char_fd_reader_set_polling(r, false);
    r->fd = -1;
}

void char_fd_reader_accept_input(CharFdReader *r)
{
    char_fd_reader_set_polling(r, true);
}
