/*
 * The null chardev: output is discarded, there is never any input.
 */
#include "qemu/osdep.h"
#include "chardev-internal.h"

static bool null_chr_open(Chardev *chr, QemuOpts *opts, Error **errp)
{
    chr->be_open = 1;
    return true;
}

static int null_chr_write(Chardev *chr, const uint8_t *buf, int len)
{
    return len;
}

const ChardevClass char_null_driver = {
    .name = "null",
    .instance_size = sizeof(Chardev),
    .open = null_chr_open,
    .chr_write = null_chr_write,
};
