/*
 * -device: creating devices from option strings and plugging them in.
 *
 * Grace's pluggable devices are virtio devices on the board's virtio-mmio
 * transports: virtio-blk-device (drive=ID[,serial=S]), virtio-rng-device
 * and virtio-mem-device (memdev=ID[,requested-size=S][,block-size=S]
 * [,memaddr=A][,node=0]).  Each goes into the free transport with the
 * highest address, as in QEMU, so the first lands at 0x1000_8000 on virt.
 *
 * A device made with id=ID has the QOM path /machine/peripheral/ID, one
 * without /machine/peripheral-anon/device[N], as in QEMU; qom-get and
 * qom-set reach its properties by either the path or the bare id.
 *
 * Threads: BQL for everything.
 */
#ifndef HW_DEVICE_ADD_H
#define HW_DEVICE_ADD_H

typedef struct Error Error;
typedef struct VirtIODevice VirtIODevice;

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

/* The device with QOM path or id path, or NULL. */
VirtIODevice *qdev_find(const char *path);
/* vdev's QOM path (g_free it), or NULL if -device did not make it. */
char *qdev_path(VirtIODevice *vdev);
/* vdev's id, or NULL (anonymous, or not made by -device). */
const char *qdev_id(VirtIODevice *vdev);

/*
 * A property qom-get and qom-set reach.  SIZE and UINT values are
 * numbers (a SIZE parses with K/M/G/T suffixes when it comes as text, as
 * from HMP); STR values are strings.  get stores a number in *u, or a new
 * string in *str.  set is NULL for a read-only property; it gets the
 * number and fails with *errp for a value the device refuses.
 */
typedef enum QomPropType {
    QOM_PROP_SIZE,
    QOM_PROP_UINT,
    QOM_PROP_STR,
} QomPropType;

typedef struct QomProp {
    const char *name;
    QomPropType type;
    void (*get)(VirtIODevice *vdev, uint64_t *u, char **str);
    bool (*set)(VirtIODevice *vdev, uint64_t u, Error **errp);
} QomProp;

/*
 * Property name of the device at path, and the device in *vdev.  NULL
 * with *errp: no such device (class DeviceNotFound, QEMU's) or property.
 */
const QomProp *qom_find_property(const char *path, const char *name,
                                 VirtIODevice **vdev, Error **errp);

#endif /* HW_DEVICE_ADD_H */
