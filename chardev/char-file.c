/*
 * The file chardev: output goes to a file (path=, truncated unless
 * append=on); there is no input.
 */
#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qapi/error.h"
#include "chardev-internal.h"

typedef struct FileChardev {
    Chardev parent;
    int fd;
} FileChardev;

static const char *const file_options[] = { "path", "append", NULL };

static bool file_chr_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    FileChardev *s = (FileChardev *)chr;
    const char *path = qemu_opt_get(opts, "path");
    bool append;
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;

    s->fd = -1;
    if (!path || !*path) {
        error_setg(errp, "chardev: file: no path given");
        return false;
    }
    if (!qemu_opt_get_bool(opts, "append", false, &append, errp)) {
        return false;
    }
    flags |= append ? O_APPEND : O_TRUNC;
    s->fd = open(path, flags, 0666);
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", path);
        return false;
    }
    chardev_set_filename(chr, "file:%s", path);
    chr->be_open = 1;
    return true;
}

static int file_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    FileChardev *s = (FileChardev *)chr;

    /* A full disk loses output; the guest must not stall on it. */
    if (qemu_write_full(s->fd, buf, len) < 0) {
        return -1;
    }
    return len;
}

static void file_chr_finalize(Chardev *chr)
{
    FileChardev *s = (FileChardev *)chr;

    if (s->fd >= 0) {
        close(s->fd);
    }
}

const ChardevClass char_file_driver = {
    .name = "file",
    .instance_size = sizeof(FileChardev),
    .options = file_options,
    .open = file_chr_open,
    .chr_write = file_chr_write,
    .finalize = file_chr_finalize,
};
