/*
 * -device: creating devices from option strings and plugging them in.
 *
 * Grace's pluggable devices are virtio devices on the board's virtio-mmio
 * transports: virtio-blk-device (drive=ID[,serial=S]) and
 * virtio-rng-device.  Each goes into the free transport with the highest
 * address, as in QEMU, so the first lands at 0x1000_8000 on virt.
 */
#ifndef HW_DEVICE_ADD_H
#define HW_DEVICE_ADD_H

typedef struct Error Error;

/*
 * If optstr asks for help ("help", "?", or "DRIVER,help"), print it to
 * stdout and return true; the command line then exits with status 0.
 * False otherwise (including for an unknown driver: device_add_from_str
 * reports that).
 */
bool qdev_device_help(const char *optstr);

/*
 * Create the device an -device string describes, e.g.
 * "virtio-blk-device,drive=hd0,serial=abc" or "virtio-rng-device", and
 * plug it into the free virtio-mmio transport with the highest address.
 * Help requests print the help and succeed.  False with *errp for an
 * unknown device or property, a missing, unknown or busy drive, or no
 * free transport.  Call after the board has created its transports and
 * -drive has created the drives.  BQL held.
 */
bool device_add_from_str(const char *optstr, Error **errp);

#endif /* HW_DEVICE_ADD_H */
