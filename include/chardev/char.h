/*
 * Character device backends (QEMU's "chardevs"): where a serial port or a
 * monitor's bytes come from and go to.
 *
 * Backends: null, stdio (raw terminal mode, restored at exit), file
 * (output to a file, no input), socket (unix or tcp; server, optionally
 * wait=off; one client at a time), mux (several front ends sharing one
 * backend, switched with Ctrl-A c, as -nographic and mon:stdio do), and
 * ringbuf (kept in memory, for tests).
 *
 * All of this runs in the main loop thread with the BQL held, except the
 * write path, which any BQL holder may use.
 */
#ifndef CHARDEV_CHAR_H
#define CHARDEV_CHAR_H

#include "chardev/char-fe.h"
#include "qemu/thread.h"

typedef struct ChardevClass ChardevClass;
typedef struct QemuOpts QemuOpts;

struct Chardev {
    const ChardevClass *driver;
    char *label;            /* the id, unique among chardevs */
    char *filename;         /* a description, for `info chardev` */
    CharBackend *be;        /* the front end, or NULL; a mux's own list
                               is private to the mux */
    int be_open;            /* the backend is connected */
    QemuMutex chr_write_lock;
};

struct ChardevClass {
    const char *name;       /* "socket", "stdio", ... */
    size_t instance_size;
    /* The driver's own -chardev options (besides backend, id and mux);
     * NULL-terminated.  Anything else is refused before open is called. */
    const char *const *options;
    /* Parse the options (the part after "name,") and open; false with
     * *errp on failure. */
    bool (*open)(Chardev *chr, QemuOpts *opts, Error **errp);
    /* Write up to len bytes; return bytes written or -1 with errno. */
    int (*chr_write)(Chardev *chr, const uint8_t *buf, int len);
    /* The front end can take input again (re-arm the fd handler). */
    void (*chr_accept_input)(Chardev *chr);
    /* A front end attached or detached (muxes track several). */
    void (*chr_be_event)(Chardev *chr, QEMUChrEvent event);
    void (*finalize)(Chardev *chr);
};

/*
 * Create a chardev from a -chardev string such as
 * "socket,id=mon0,path=/tmp/m.sock,server=on,wait=off".  id= is required.
 * Backends and their options:
 *   null
 *   file,path=P[,append=on]
 *   stdio[,signal=off]
 *   socket,path=P | host=H,port=N  [,server=on[,wait=off]]
 *   ringbuf[,size=64K]
 * and mux=on on any of them, which labels the backend "ID-base" and puts
 * a mux labelled ID on top.  A mux tells its front ends about the backend
 * from the main loop once they have attached: the last one attached gets
 * the focus (CHR_EVENT_MUX_IN), the others CHR_EVENT_MUX_OUT.
 */
Chardev *qemu_chardev_new_from_spec(const char *spec, Error **errp);

/*
 * Create a chardev from QEMU's legacy short forms, as -serial, -monitor
 * and -qmp take them: "stdio", "mon:stdio", "null", "none" (returns NULL
 * without error), "file:PATH", "unix:PATH[,server][,wait=off]",
 * "tcp:HOST:PORT[,server][,wait=off]", "chardev:ID" (an existing one).
 * label names the new chardev ("serial0", "compat_monitor0"...).
 */
Chardev *qemu_chr_new(const char *label, const char *filename,
                      Error **errp);

Chardev *qemu_chr_find(const char *label);
void qemu_chr_delete(Chardev *chr);

/* Back end to front end: deliver input, ask for room, signal events. */
int qemu_chr_be_can_write(Chardev *s);
void qemu_chr_be_write(Chardev *s, const uint8_t *buf, int len);
void qemu_chr_be_event(Chardev *s, QEMUChrEvent event);

/* For tests: the bytes a ringbuf chardev has received so far (consumed). */
char *qemu_chr_ringbuf_read(Chardev *chr);

/* `info chardev` */
void qemu_chr_info(GString *buf);

/* Restore the terminal (stdio backend); safe to call more than once. */
void qemu_chr_cleanup(void);

#endif /* CHARDEV_CHAR_H */
