/*
 * The device memory area (include/hw/mem/memory-device.h).
 *
 * The area is a container region; each memory device is a subregion of
 * it.  The ranges in use are kept here, sorted by address, so that a
 * free range is found (and an overlap named) without looking into the
 * memory API's private fields.  BQL for everything.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/bitops.h"
#include "hw/mem/memory-device.h"

typedef struct DeviceRange {
    hwaddr addr;                /* absolute guest physical address */
    uint64_t size;
    MemoryRegion *mr;
} DeviceRange;

static MemoryRegion device_memory;
static hwaddr area_base;
static uint64_t area_size;
static uint64_t area_align;
static GList *ranges;           /* of DeviceRange, by address */

void machine_device_memory_init(MemoryRegion *sysmem, hwaddr base,
                                uint64_t size, uint64_t align)
{
    assert(!area_size && size && is_power_of_2(align));
    area_base = base;
    area_size = size;
    area_align = align;
    memory_region_init(&device_memory, NULL, "device-memory", size);
    memory_region_add_subregion(sysmem, base, &device_memory);
}

bool device_memory_range(hwaddr *base, uint64_t *size)
{
    *base = area_base;
    *size = area_size;
    return area_size != 0;
}

static gint range_cmp(gconstpointer a, gconstpointer b)
{
    const DeviceRange *ra = a, *rb = b;

    return ra->addr < rb->addr ? -1 : ra->addr > rb->addr;
}

/* The range overlapping [addr, addr + size), or NULL. */
static DeviceRange *find_overlap(hwaddr addr, uint64_t size)
{
    for (GList *l = ranges; l; l = l->next) {
        DeviceRange *r = l->data;

        if (addr < r->addr + r->size && r->addr < addr + size) {
            return r;
        }
    }
    return NULL;
}

/* The lowest free aligned address for size bytes; false if none. */
static bool find_free(uint64_t size, uint64_t align, hwaddr *addr)
{
    hwaddr cur = QEMU_ALIGN_UP(area_base, align);
    hwaddr end = area_base + area_size;

    for (GList *l = ranges; l; l = l->next) {
        DeviceRange *r = l->data;

        if (cur + size <= r->addr) {
            break;
        }
        cur = MAX(cur, QEMU_ALIGN_UP(r->addr + r->size, align));
    }
    if (cur < area_base || cur > end || size > end - cur) {
        return false;
    }
    *addr = cur;
    return true;
}

bool memory_device_plug(MemoryRegion *mr, uint64_t align, bool has_addr,
                        hwaddr *addr, Error **errp)
{
    uint64_t size = memory_region_size(mr);
    hwaddr end = area_base + area_size;
    DeviceRange *r;

    assert(align && is_power_of_2(align));
    if (!area_size) {
        error_setg(errp, "this machine has no device memory area for "
                   "memory devices");
        return false;
    }
    if (has_addr) {
        if (!QEMU_IS_ALIGNED(*addr, align)) {
            error_setg(errp, "memaddr 0x%" HWADDR_PRIx " is not aligned to "
                       "0x%" PRIx64, *addr, align);
            return false;
        }
        if (*addr < area_base || *addr > end || size > end - *addr) {
            error_setg(errp, "memaddr range [0x%" HWADDR_PRIx ", 0x%"
                       HWADDR_PRIx ") is outside the device memory area "
                       "[0x%" HWADDR_PRIx ", 0x%" HWADDR_PRIx ")", *addr,
                       *addr + size, area_base, end);
            return false;
        }
        r = find_overlap(*addr, size);
        if (r) {
            error_setg(errp, "memaddr range [0x%" HWADDR_PRIx ", 0x%"
                       HWADDR_PRIx ") overlaps '%s' at [0x%" HWADDR_PRIx
                       ", 0x%" HWADDR_PRIx ")", *addr, *addr + size,
                       memory_region_name(r->mr), r->addr,
                       r->addr + r->size);
            return false;
        }
    } else if (!find_free(size, MAX(align, area_align), addr)) {
        error_setg(errp, "no free 0x%" PRIx64 " bytes left in the device "
                   "memory area [0x%" HWADDR_PRIx ", 0x%" HWADDR_PRIx ")",
                   size, area_base, end);
        return false;
    }

    r = g_new(DeviceRange, 1);
    r->addr = *addr;
    r->size = size;
    r->mr = mr;
    ranges = g_list_insert_sorted(ranges, r, range_cmp);
    memory_region_add_subregion(&device_memory, *addr - area_base, mr);
    return true;
}

void memory_device_unplug(MemoryRegion *mr)
{
    for (GList *l = ranges; l; l = l->next) {
        DeviceRange *r = l->data;

        if (r->mr == mr) {
            memory_region_del_subregion(&device_memory, mr);
            ranges = g_list_delete_link(ranges, l);
            g_free(r);
            return;
        }
    }
    g_assert_not_reached();
}
