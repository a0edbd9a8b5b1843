/*
 * -device for the virtio devices (include/hw/device-add.h), the devices
 * it made, and their properties for qom-get/qom-set.  BQL.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/option.h"
#include "qapi/error.h"
#include "sysemu/block-backend.h"
#include "hw/device-add.h"
#include "hw/virtio/virtio-blk.h"
#include "hw/virtio/virtio-mem.h"
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
    const QomProp *qom_props;   /* for qom-get/qom-set; ends with NULL */
} DeviceType;

/* A device -device made.  Created under the BQL, never removed. */
typedef struct DeviceEntry {
    char *id;                   /* NULL: anonymous */
    unsigned anon_index;        /* its N in peripheral-anon/device[N] */
    const DeviceType *type;
    VirtIODevice *vdev;
} DeviceEntry;

static GPtrArray *devices;      /* of DeviceEntry *, in creation order */
static unsigned anon_devices;

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

static VirtIODevice *create_virtio_mem(QemuOpts *opts, Error **errp)
{
    VirtIOMEMOptions o = {
        .id = qemu_opt_get(opts, "id"),
        .memdev = qemu_opt_get(opts, "memdev"),
        .has_addr = qemu_opt_has(opts, "memaddr"),
    };
    uint64_t node;

    if (qemu_opt_has(opts, "size")) {
        error_setg(errp, "Property '" TYPE_VIRTIO_MEM ".size' is read-only: "
                   "it is the plugged size (set requested-size)");
        return NULL;
    }
    if (!qemu_opt_get_size(opts, "requested-size", 0, &o.requested_size,
                           errp) ||
        !qemu_opt_get_size(opts, "block-size", 0, &o.block_size, errp) ||
        !qemu_opt_get_number(opts, "memaddr", 0, &o.addr, errp) ||
        !qemu_opt_get_number(opts, "node", 0, &node, errp)) {
        return NULL;
    }
    if (node > UINT32_MAX) {
        error_setg(errp, "'node' must be 0: the machine has a single NUMA "
                   "node");
        return NULL;
    }
    o.node = node;
    return virtio_mem_new(&o, errp);
}

/* virtio-mem's properties for qom-get and qom-set. */
static VirtIOMEM *vmem_of(VirtIODevice *vdev)
{
    return container_of(vdev, VirtIOMEM, parent_obj);
}

static void vmem_get_size(VirtIODevice *vdev, uint64_t *u, char **str)
{
    *u = vmem_of(vdev)->size;
}

static void vmem_get_requested_size(VirtIODevice *vdev, uint64_t *u,
                                    char **str)
{
    *u = vmem_of(vdev)->requested_size;
}

static bool vmem_set_requested_size(VirtIODevice *vdev, uint64_t u,
                                    Error **errp)
{
    return virtio_mem_set_requested_size(vmem_of(vdev), u, errp);
}

static void vmem_get_block_size(VirtIODevice *vdev, uint64_t *u, char **str)
{
    *u = vmem_of(vdev)->block_size;
}

static void vmem_get_addr(VirtIODevice *vdev, uint64_t *u, char **str)
{
    *u = vmem_of(vdev)->addr;
}

static void vmem_get_node(VirtIODevice *vdev, uint64_t *u, char **str)
{
    *u = vmem_of(vdev)->node;
}

static void vmem_get_memdev(VirtIODevice *vdev, uint64_t *u, char **str)
{
    *str = host_memory_backend_path(vmem_of(vdev)->memdev);
}

static const QomProp virtio_mem_qom_props[] = {
    { "size", QOM_PROP_SIZE, vmem_get_size, NULL },
    { "requested-size", QOM_PROP_SIZE, vmem_get_requested_size,
      vmem_set_requested_size },
    { "block-size", QOM_PROP_SIZE, vmem_get_block_size, NULL },
    { "memaddr", QOM_PROP_UINT, vmem_get_addr, NULL },
    { "node", QOM_PROP_UINT, vmem_get_node, NULL },
    { "memdev", QOM_PROP_STR, vmem_get_memdev, NULL },
    { NULL },
};

static const DeviceProp virtio_blk_props[] = {
    { "drive", "ID of the -drive (if=none) to use as the disk" },
    { "serial", "disk serial number, up to 20 characters (get-id)" },
    { NULL },
};

static const DeviceProp no_props[] = {
    { NULL },
};

static const DeviceProp virtio_mem_props[] = {
    { "memdev", "ID of the memory backend (-object memory-backend-ram) "
      "whose size is the device's region" },
    { "requested-size", "the size the guest should plug (default 0; "
      "change it with qom-set)" },
    { "block-size", "the unit of plugging, a power of two >= 1M "
      "(default 2M)" },
    { "memaddr", "guest physical address of the region (default: the "
      "first free one in the device memory area)" },
    { "node", "NUMA node (only 0)" },
    { "size", "the plugged size (read-only)" },
    { NULL },
};

static const QomProp no_qom_props[] = {
    { NULL },
};

static const DeviceType device_types[] = {
    {
        .name = "virtio-blk-device",
        .category = "Storage devices",
        .desc = "Virtio block device",
        .props = virtio_blk_props,
        .create = create_virtio_blk,
        .qom_props = no_qom_props,
    },
    {
        .name = "virtio-rng-device",
        .category = "Misc devices",
        .desc = "Virtio entropy source (the host's getrandom)",
        .props = no_props,
        .create = create_virtio_rng,
        .qom_props = no_qom_props,
    },
    {
        .name = TYPE_VIRTIO_MEM,
        .category = "Misc devices",
        .desc = "Virtio memory device: RAM the guest plugs and unplugs",
        .props = virtio_mem_props,
        .create = create_virtio_mem,
        .qom_props = virtio_mem_qom_props,
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
    DeviceEntry *entry;
    const char *id;

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
    id = qemu_opt_get(opts, "id");
    if (id && !id_wellformed(id)) {
        error_setg(errp, "Invalid device ID '%s': it must start with a "
                   "letter, then letters, digits, '-', '.' or '_'", id);
        return false;
    }
    if (id && qdev_find(id)) {
        error_setg(errp, "Duplicate ID '%s' for device", id);
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
    virtio_mmio_plug(proxy, vdev, &error_abort);

    entry = g_new0(DeviceEntry, 1);
    entry->id = g_strdup(id);
    if (!id) {
        entry->anon_index = anon_devices++;
    }
    entry->type = t;
    entry->vdev = vdev;
    if (!devices) {
        devices = g_ptr_array_new();
    }
    g_ptr_array_add(devices, entry);
    return true;
}

static char *entry_path(const DeviceEntry *e)
{
    return e->id ? g_strdup_printf("/machine/peripheral/%s", e->id)
                 : g_strdup_printf("/machine/peripheral-anon/device[%u]",
                                   e->anon_index);
}

/* The device whose full path or id is path, or NULL. */
static DeviceEntry *find_entry(const char *path)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        DeviceEntry *e = g_ptr_array_index(devices, i);
        g_autofree char *full = entry_path(e);

        if (!strcmp(full, path) || (e->id && !strcmp(e->id, path))) {
            return e;
        }
    }
    return NULL;
}

VirtIODevice *qdev_find(const char *path)
{
    DeviceEntry *e = find_entry(path);

    return e ? e->vdev : NULL;
}

char *qdev_path(VirtIODevice *vdev)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        DeviceEntry *e = g_ptr_array_index(devices, i);

        if (e->vdev == vdev) {
            return entry_path(e);
        }
    }
    return NULL;
}

const char *qdev_id(VirtIODevice *vdev)
{
    for (guint i = 0; devices && i < devices->len; i++) {
        DeviceEntry *e = g_ptr_array_index(devices, i);

        if (e->vdev == vdev) {
            return e->id;
        }
    }
    return NULL;
}

const QomProp *qom_find_property(const char *path, const char *name,
                                 VirtIODevice **vdev, Error **errp)
{
    DeviceEntry *e = find_entry(path);

    if (!e) {
        error_set(errp, ERROR_CLASS_DEVICE_NOT_FOUND, "Device '%s' not found",
                  path);
        return NULL;
    }
    for (const QomProp *p = e->type->qom_props; p->name; p++) {
        if (!strcmp(p->name, name)) {
            *vdev = e->vdev;
            return p;
        }
    }
    error_setg(errp, "Property '%s.%s' not found", e->type->name, name);
    return NULL;
}
