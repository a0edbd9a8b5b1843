/*
 * -drive: block backends created from the command line.
 */
#ifndef SYSEMU_BLOCKDEV_H
#define SYSEMU_BLOCKDEV_H

typedef struct BlockBackend BlockBackend;
typedef struct Error Error;

/*
 * Create a backend from an -drive option string,
 * "file=PATH,format=raw,if=none,id=ID[,readonly=on]", and register it
 * under ID for -device ...,drive=ID.  Only the raw format and if=none are
 * supported; format may be left out (raw is assumed, with a warning, as
 * QEMU does when its probe finds raw).  NULL with *errp on a bad option or
 * a file that cannot be opened; the caller adds the "-drive ...:" prefix.
 * BQL held.
 */
BlockBackend *drive_new(const char *optstr, Error **errp);

#endif /* SYSEMU_BLOCKDEV_H */
