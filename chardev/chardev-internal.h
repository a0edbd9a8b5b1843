/*
 * Private to chardev/: the backend drivers, the fd input helper shared by
 * the backends that read a file descriptor, and the mux's hooks into the
 * generic front-end code.
 */
#ifndef CHARDEV_INTERNAL_H
#define CHARDEV_INTERNAL_H

#include "chardev/char.h"

extern const ChardevClass char_null_driver;
extern const ChardevClass char_file_driver;
extern const ChardevClass char_stdio_driver;
extern const ChardevClass char_socket_driver;
extern const ChardevClass char_ringbuf_driver;
extern const ChardevClass char_mux_driver;

/*
 * Allocate a chardev of driver drv labelled label, let the driver parse
 * opts and open, and register it.  NULL with *errp on failure (nothing is
 * left registered).  Main thread, BQL held.
 */
Chardev *chardev_new(const ChardevClass *drv, const char *label,
                     QemuOpts *opts, Error **errp);
/* Replace chr->filename (the description `info chardev` shows). */
void chardev_set_filename(Chardev *chr, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/*
 * Input from a file descriptor, through the main loop's fd handlers.
 *
 * The reader asks the front end how much it can take before each read and
 * reads at most that.  When the answer is 0 it stops polling the fd (so a
 * busy front end does not make the loop spin) until the front end calls
 * qemu_chr_fe_accept_input, which reaches char_fd_reader_accept_input
 * through the driver's chr_accept_input.  read() returning 0 (end of
 * file) or a hard error stops the reader and calls eof.
 *
 * All fields are used by the main thread with the BQL held;
 * char_fd_reader_accept_input may run on a vCPU thread that holds the BQL.
 */
typedef struct CharFdReader {
    Chardev *chr;
    int fd;                     /* -1: not started */
    bool polling;               /* the fd handler is installed */
    void (*eof)(Chardev *chr);
} CharFdReader;

void char_fd_reader_start(CharFdReader *r, Chardev *chr, int fd,
                          void (*eof)(Chardev *chr));
void char_fd_reader_stop(CharFdReader *r);
void char_fd_reader_accept_input(CharFdReader *r);

/* Mux hooks for char-fe.c (chardev/char-mux.c). */
bool chardev_is_mux(Chardev *chr);
/* Add front end b; false with *errp when the mux is full. */
bool mux_chr_attach_fe(Chardev *mux, CharBackend *b, Error **errp);
/* Remove b; returns how many front ends remain. */
int mux_chr_detach_fe(Chardev *mux, CharBackend *b);
/* b installed its handlers: schedule its OPENED and focus events. */
void mux_chr_fe_handlers_set(Chardev *mux, CharBackend *b);
/* Create a mux labelled label on top of base (which the mux then owns). */
Chardev *mux_chr_new(const char *label, Chardev *base, Error **errp);

#endif /* CHARDEV_INTERNAL_H */
