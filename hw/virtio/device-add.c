/*
 * -device for the virtio devices (include/hw/device-add.h).
 */
#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qapi/error.h"
#include "sysemu/block-backend.h"
#include "hw/device-add.h"
#include "hw/virtio/virtio-blk.h"
#include "hw/virtio/virtio-mmio.h"
#include "hw/virtio/virtio-rng.h"

typedef struct DeviceProp {
    const char *name;
    const char *help;
} DeviceProp;

typedef struct DeviceType {
    const char *name;
    const char *category;
    const char *desc;
    const DeviceProp *props;    /* ends with { NULL } */
    VirtIODevice *(*create)(QemuOpts *opts, Error **errp);
} DeviceType;

static VirtIODevice *create_virtio_blk(QemuOpts *opts, Error **errp)
{
    const char *drive = qemu_opt_get(opts, "drive");
    BlockBackend *blk;

    if (!drive) {
        error_setg(errp, "virtio-blk-device: drive property not set "
                   "(give drive=ID of an -drive ...,if=none,id=ID)");
        return NULL;
    }
    blk = blk_by_name(drive);
    if (!blk) {
        error_setg(errp, "Property 'virtio-blk-device.drive' can't find "
                   "value '%s': there is no -drive with id=%s",
                   drive, drive);
        return NULL;
    }
    if (blk_get_attached_dev(blk)) {
        error_setg(errp, "Property 'virtio-blk-device.drive' can't take "
                   "value '%s': the drive is already in use by another "
                   "device", drive);
        return NULL;
    }
    return virtio_blk_new(blk, qemu_opt_get(opts, "serial"), errp);
}

static VirtIODevice *create_virtio_rng(QemuOpts *opts, Error **errp)
{
    return virtio_rng_new(errp);
}

static const DeviceProp virtio_blk_props[] = {
    { "drive", "ID of the -drive (if=none) to use as the disk" },
    { "serial", "disk serial number, up to 20 characters (get-id)" },
    { NULL },
};

static const DeviceProp no_props[] = {
    { NULL },
};

static const DeviceType device_types[] = {
    {
        .name = "virtio-blk-device",
        .category = "Storage devices",
        .desc = "Virtio block device",
        .props = virtio_blk_props,
        .create = create_virtio_blk,
    },
    {
        .name = "virtio-rng-device",
        .category = "Misc devices",
        .desc = "Virtio entropy source (the host's getrandom)",
        .props = no_props,
        .create = create_virtio_rng,
    },
};

static const DeviceType *find_device_type(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(device_types); i++) {
        if (!strcmp(device_types[i].name, name)) {
            return &device_types[i];
        }
    }
    return NULL;
}

static bool is_help(const char *s)
{
    return !strcmp(s, "help") || !strcmp(s, "?");
}

static void print_device_list(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(device_types); i++) {
        const DeviceType *t = &device_types[i];

        printf("%s:\nname \"%s\", bus virtio-bus, desc \"%s\"\n\n",
               t->category, t->name, t->desc);
    }
}

static void print_device_props(const DeviceType *t)
{
    printf("%s options:\n", t->name);
    for (const DeviceProp *p = t->props; p->name; p++) {
        printf("  %s=<str>%*s - %s\n", p->name,
               (int)MAX(0, 16 - (int)strlen(p->name)), "", p->help);
    }
    if (!t->props->name) {
        printf("  (no properties)\n");
    }
}

/* Print help if opts ask for it; true if they did. */
static bool device_help(QemuOpts *opts)
{
    const char *driver = qemu_opt_get(opts, "driver");
    const DeviceType *t;

    if (driver && is_help(driver)) {
        print_device_list();
        return true;
    }
    if (!driver || !(qemu_opt_has(opts, "help") || qemu_opt_has(opts, "?"))) {
        return false;
    }
    t = find_device_type(driver);
    if (!t) {
        return false;
    }
    print_device_props(t);
    return true;
}

bool qdev_device_help(const char *optstr)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse(optstr, "driver", NULL);

    return opts && device_help(opts);
}

typedef struct PropCheck {
    const DeviceType *type;
    const char *unknown;        /* the first property type lacks */
} PropCheck;

/* qemu_opts_foreach_opt callback: stop at a property the type lacks. */
static bool check_prop(const char *name, const char *value, void *opaque)
{
    PropCheck *check = opaque;

    if (!strcmp(name, "driver") || !strcmp(name, "id")) {
        return true;
    }
    for (const DeviceProp *p = check->type->props; p->name; p++) {
        if (!strcmp(p->name, name)) {
            return true;
        }
    }
    check->unknown = name;
    return false;
}

bool device_add_from_str(const char *optstr, Error **errp)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse(optstr, "driver", errp);
    const DeviceType *t;
    const char *driver;
    PropCheck check;
    VirtIOMMIOProxy *proxy;
    VirtIODevice *vdev;

    if (!opts) {
        return false;
    }
    if (device_help(opts)) {
        return true;
    }
    driver = qemu_opt_get(opts, "driver");
    if (!driver) {
        error_setg(errp, "Parameter 'driver' is missing");
        return false;
    }
    t = find_device_type(driver);
    if (!t) {
        error_setg(errp, "'%s' is not a valid device model name "
                   "(-device help lists them)", driver);
        return false;
    }
    check = (PropCheck) { .type = t };
    if (!qemu_opts_foreach_opt(opts, check_prop, &check)) {
        error_setg(errp, "Property '%s.%s' not found (-device %s,help "
                   "lists them)", t->name, check.unknown, t->name);
        return false;
    }
    proxy = virtio_mmio_find_free();
    if (!proxy) {
        error_setg(errp, "No free virtio-mmio transport for device '%s': "
                   "all of them are in use", t->name);
        return false;
    }
    vdev = t->create(opts, errp);
    if (!vdev) {
        return false;
    }
    /* proxy is free, so this cannot fail. */
    return virtio_mmio_plug(proxy, vdev, &error_abort);
}
