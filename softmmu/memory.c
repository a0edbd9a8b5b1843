/*
 * The memory API (include/exec/memory.h): region tree, flat views,
 * dispatch.
 *
 * Rendering.  A FlatView is the region tree flattened into sorted,
 * non-overlapping ranges, each naming the terminating region (RAM, ROM or
 * MMIO) that answers there and the offset within it.  It is built by
 * walking the tree with higher-priority subregions first and letting each
 * terminating region fill only the gaps still open, so the visible region
 * at every address is the highest-priority enabled one.  Positions are
 * computed in 128-bit arithmetic: a 2^64-byte container and aliases that
 * start "before 0" need no special cases.
 *
 * Publication, under RCU.  Topology changes happen under the BQL, in
 * transactions; the last commit renders a new FlatView for each address
 * space, publishes it with qatomic_rcu_set, tells the listeners (TCG
 * queues a TLB flush on every vCPU) and retires the old view with
 * call_rcu.  Readers on any thread (a vCPU's TLB miss, a device's DMA,
 * the monitor) read the current view with qatomic_rcu_read inside a
 * read-side section and take no lock at all.
 *
 * Regions live as long as the machine, except those removed at run time
 * (RAM hot-plug): memory_region_free_rcu frees such a region, and its RAM
 * block, after a grace period, when no view that names it is in use and
 * no vCPU can hold a TLB entry for it.  So a region that a reader found
 * in a view stays valid until the end of the reader's section.
 *
 *   AddressSpace.current_map: written with qatomic_rcu_set (BQL held),
 *     read with qatomic_rcu_read from RCU critical sections.
 *   A FlatView never changes after it is published.
 *   The region tree (subregions, enabled, ...): BQL.
 */
#include "qemu/osdep.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "exec/ram_addr.h"
#include "qemu/atomic.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "qemu/thread.h"
#include "qemu/rcu.h"
#include "qemu/error-report.h"
#include "qapi/error.h"

typedef __int128 Int128;

typedef struct FlatRange {
    Int128 start;               /* [start, end) in the address space */
    Int128 end;
    MemoryRegion *mr;
    hwaddr offset_in_region;    /* of start */
    bool readonly;
} FlatRange;

struct FlatView {
    struct rcu_head rcu;        /* first: call_rcu */
    unsigned nr;
    unsigned nr_allocated;
    FlatRange *ranges;
};

AddressSpace address_space_memory;
static MemoryRegion system_memory;
static bool memory_initialised;

static QTAILQ_HEAD(, AddressSpace) address_spaces =
    QTAILQ_HEAD_INITIALIZER(address_spaces);

static unsigned transaction_depth;
static bool topology_changed;

static Int128 mr_size128(const MemoryRegion *mr)
{
    return mr->size == UINT64_MAX ? (Int128)1 << 64 : (Int128)mr->size;
}

/*
 * Flat views
 */
static FlatView *flatview_new(void)
{
    return g_new0(FlatView, 1);
}

/* After the grace period that follows its retirement: call_rcu thread. */
static void flatview_destroy(FlatView *view)
{
    g_free(view->ranges);
    g_free(view);
}

static void flatview_insert(FlatView *view, unsigned pos, const FlatRange *fr)
{
    if (view->nr == view->nr_allocated) {
        view->nr_allocated = MAX(16, view->nr_allocated * 2);
        view->ranges = g_renew(FlatRange, view->ranges, view->nr_allocated);
    }
    memmove(&view->ranges[pos + 1], &view->ranges[pos],
            (view->nr - pos) * sizeof(FlatRange));
    view->ranges[pos] = *fr;
    view->nr++;
}

/*
 * Let mr answer for the parts of [start, end) that no range covers yet.
 * region_start is where mr's offset 0 sits in the address space.
 */
static void flatview_fill(FlatView *view, Int128 start, Int128 end,
                          MemoryRegion *mr, Int128 region_start,
                          bool readonly)
{
    Int128 cur = start;
    unsigned i = 0;

    while (cur < end) {
        FlatRange fr;
        Int128 gap_end = end;

        /* Skip ranges wholly before cur; stop at the first after it. */
        while (i < view->nr && view->ranges[i].end <= cur) {
            i++;
        }
        if (i < view->nr && view->ranges[i].start <= cur) {
            /* cur is covered: jump past this range. */
            cur = view->ranges[i].end;
            continue;
        }
        if (i < view->nr && view->ranges[i].start < gap_end) {
            gap_end = view->ranges[i].start;
        }
        fr.start = cur;
        fr.end = gap_end;
        fr.mr = mr;
        fr.offset_in_region = (hwaddr)(cur - region_start);
        fr.readonly = readonly;
        flatview_insert(view, i, &fr);
        i++;
        cur = gap_end;
    }
}

/*
 * Render mr, whose offset 0 is at base in the address space, clipped to
 * [clip_start, clip_end).  Higher-priority subregions come first in the
 * list, so they claim their ranges before lower ones and the container.
 */
static void render_region(FlatView *view, MemoryRegion *mr, Int128 base,
                          Int128 clip_start, Int128 clip_end, bool readonly)
{
    Int128 start = base, end = base + mr_size128(mr);
    MemoryRegion *sub;

    if (!mr->enabled) {
        return;
    }
    clip_start = MAX(clip_start, start);
    clip_end = MIN(clip_end, end);
    if (clip_start >= clip_end) {
        return;
    }
    readonly |= mr->readonly;

    if (mr->alias) {
        /* The alias shows the target from alias_offset on, at base. */
        render_region(view, mr->alias, base - (Int128)mr->alias_offset,
                      clip_start, clip_end, readonly);
        return;
    }
    QTAILQ_FOREACH(sub, &mr->subregions, subregions_link) {
        render_region(view, sub, base + sub->addr, clip_start, clip_end,
                      readonly);
    }
    if (mr->terminates) {
        flatview_fill(view, clip_start, clip_end, mr, base, readonly);
    }
}

static FlatView *generate_memory_topology(MemoryRegion *root)
{
    FlatView *view = flatview_new();

    render_region(view, root, 0, 0, (Int128)1 << 64, false);
    return view;
}

/* as's current view.  Called from RCU critical section. */
static FlatView *address_space_to_flatview(AddressSpace *as)
{
    /* Pairs with the qatomic_rcu_set in address_space_update_topology. */
    return qatomic_rcu_read(&as->current_map);
}

/* The range containing addr, or NULL. */
static FlatRange *flatview_lookup(FlatView *view, hwaddr addr)
{
    unsigned lo = 0, hi = view->nr;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        FlatRange *fr = &view->ranges[mid];

        if ((Int128)addr < fr->start) {
            hi = mid;
        } else if ((Int128)addr >= fr->end) {
            lo = mid + 1;
        } else {
            return fr;
        }
    }
    return NULL;
}

/* The start of the first range after addr, for the length of a hole. */
static Int128 flatview_next_start(FlatView *view, hwaddr addr)
{
    for (unsigned i = 0; i < view->nr; i++) {
        if (view->ranges[i].start > (Int128)addr) {
            return view->ranges[i].start;
        }
    }
    return (Int128)1 << 64;
}

/*
 * Transactions
 */
static void address_space_update_topology(AddressSpace *as)
{
    FlatView *new_view = generate_memory_topology(as->root);
    FlatView *old_view = as->current_map;
    MemoryListener *listener;

    /* Complete before it is published: the store is a release. */
    qatomic_rcu_set(&as->current_map, new_view);
    /*
     * The listeners first (TCG queues its TLB flushes), then the grace
     * period: whatever a vCPU cached from the old view is gone before
     * the old view and the regions it names can go.
     */
    QTAILQ_FOREACH(listener, &as->listeners, link) {
        listener->commit(listener);
    }
    if (old_view) {
        call_rcu(old_view, flatview_destroy, rcu);
    }
}

void memory_region_transaction_begin(void)
{
    transaction_depth++;
}

void memory_region_transaction_commit(void)
{
    AddressSpace *as;

    assert(transaction_depth > 0);
    if (--transaction_depth == 0 && topology_changed) {
        topology_changed = false;
        QTAILQ_FOREACH(as, &address_spaces, address_spaces_link) {
            address_space_update_topology(as);
        }
    }
}

/* Record a change to the tree; mr must be part of a rendered tree. */
static void memory_region_changed(void)
{
    memory_region_transaction_begin();
    topology_changed = true;
    memory_region_transaction_commit();
}

/*
 * Regions
 */
static void memory_init(void)
{
    if (memory_initialised) {
        return;
    }
    memory_initialised = true;
    memory_region_init(&system_memory, NULL, "system", UINT64_MAX);
    address_space_init(&address_space_memory, &system_memory, "memory");
}

MemoryRegion *get_system_memory(void)
{
    memory_init();
    return &system_memory;
}

void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size)
{
    memset(mr, 0, sizeof(*mr));
    mr->name = g_strdup(name);
    mr->size = size;
    mr->enabled = true;
    QTAILQ_INIT(&mr->subregions);
}

void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size)
{
    memory_region_init(mr, owner, name, size);
    mr->ops = ops;
    mr->opaque = opaque;
    mr->terminates = true;
}

static bool init_ram_common(MemoryRegion *mr, const char *name, uint64_t size,
                            uint32_t flags, Error **errp)
{
    memory_region_init(mr, NULL, name, size);
    mr->ram = true;
    mr->terminates = true;
    mr->readonly = flags & RAM_READONLY;
    mr->ram_block = qemu_ram_alloc(size, flags, mr, errp);
    return mr->ram_block != NULL;
}

bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp)
{
    return init_ram_common(mr, name, size, 0, errp);
}

bool memory_region_init_ram_flags(MemoryRegion *mr, Object *owner,
                                  const char *name, uint64_t size,
                                  uint32_t ram_flags, Error **errp)
{
    assert(!(ram_flags & RAM_READONLY));
    return init_ram_common(mr, name, size, ram_flags, errp);
}

bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp)
{
    return init_ram_common(mr, name, size, RAM_READONLY, errp);
}

void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size)
{
    memory_region_init(mr, owner, name, size);
    mr->alias = orig;
    mr->alias_offset = offset;
}

void memory_region_finalize(MemoryRegion *mr)
{
    assert(!mr->container && QTAILQ_EMPTY(&mr->subregions));
    if (mr->ram_block) {
        qemu_ram_free(mr->ram_block);
        mr->ram_block = NULL;
    }
    g_free(mr->name);
    mr->name = NULL;
}

typedef struct MemoryRegionFree {
    struct rcu_head rcu;
    MemoryRegion *mr;
} MemoryRegionFree;

/* After the grace period: call_rcu thread, BQL held. */
static void memory_region_do_free(MemoryRegionFree *f)
{
    memory_region_finalize(f->mr);
    g_free(f->mr);
    g_free(f);
}

void memory_region_free_rcu(MemoryRegion *mr)
{
    MemoryRegionFree *f = g_new(MemoryRegionFree, 1);

    assert(qemu_mutex_iothread_locked());
    assert(!mr->container);
    f->mr = mr;
    call_rcu(f, memory_region_do_free, rcu);
}

static void add_subregion_common(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    MemoryRegion *other;

    assert(!subregion->container);
    subregion->container = mr;
    subregion->addr = offset;
    /* Keep the list sorted by priority, highest first; among equals the
     * newest comes first, so it wins where they overlap. */
    QTAILQ_FOREACH(other, &mr->subregions, subregions_link) {
        if (subregion->priority >= other->priority) {
            QTAILQ_INSERT_BEFORE(other, subregion, subregions_link);
            goto done;
        }
    }
    QTAILQ_INSERT_TAIL(&mr->subregions, subregion, subregions_link);
done:
    memory_region_changed();
}

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion)
{
    subregion->priority = 0;
    subregion->may_overlap = false;
    add_subregion_common(mr, offset, subregion);
}

void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority)
{
    subregion->priority = priority;
    subregion->may_overlap = true;
    add_subregion_common(mr, offset, subregion);
}

void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion)
{
    assert(subregion->container == mr);
    subregion->container = NULL;
    QTAILQ_REMOVE(&mr->subregions, subregion, subregions_link);
    memory_region_changed();
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    if (mr->enabled != enabled) {
        mr->enabled = enabled;
        memory_region_changed();
    }
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    if (mr->readonly != readonly) {
        mr->readonly = readonly;
        memory_region_changed();
    }
}

uint64_t memory_region_size(MemoryRegion *mr)
{
    return mr->size;
}

const char *memory_region_name(const MemoryRegion *mr)
{
    return mr->name;
}

bool memory_region_is_ram(MemoryRegion *mr)
{
    return mr->ram;
}

bool memory_region_is_rom(MemoryRegion *mr)
{
    return mr->ram && mr->readonly;
}

void *memory_region_get_ram_ptr(MemoryRegion *mr)
{
    assert(mr->ram_block);
    return mr->ram_block->host;
}

ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr)
{
    assert(mr->ram_block);
    return mr->ram_block->offset;
}

/*
 * Address spaces
 */
void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name)
{
    memory_init();
    as->name = g_strdup(name);
    as->root = root;
    as->current_map = NULL;
    QTAILQ_INIT(&as->listeners);
    QTAILQ_INSERT_TAIL(&address_spaces, as, address_spaces_link);
    address_space_update_topology(as);
}

void address_space_destroy(AddressSpace *as)
{
    FlatView *view;

    assert(QTAILQ_EMPTY(&as->listeners));
    QTAILQ_REMOVE(&address_spaces, as, address_spaces_link);
    view = as->current_map;
    qatomic_rcu_set(&as->current_map, NULL);
    call_rcu(view, flatview_destroy, rcu);
    g_free(as->name);
}

void memory_listener_register(MemoryListener *listener, AddressSpace *as)
{
    listener->address_space = as;
    QTAILQ_INSERT_TAIL(&as->listeners, listener, link);
}

void memory_listener_unregister(MemoryListener *listener)
{
    QTAILQ_REMOVE(&listener->address_space->listeners, listener, link);
    listener->address_space = NULL;
}

MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs)
{
    FlatView *view;
    FlatRange *fr;
    MemoryRegion *mr = NULL;
    Int128 avail;

    RCU_READ_LOCK_GUARD();
    view = address_space_to_flatview(as);
    fr = flatview_lookup(view, addr);
    if (fr) {
        mr = fr->mr;
        *xlat = fr->offset_in_region + (addr - (hwaddr)fr->start);
        avail = fr->end - addr;
    } else {
        *xlat = 0;
        avail = flatview_next_start(view, addr) - addr;
    }
    if ((Int128)*plen > avail) {
        *plen = (hwaddr)avail;
    }
    return mr;
}

/*
 * Dispatch
 */
static unsigned valid_min(const MemoryRegionOps *ops)
{
    return ops->valid.min_access_size ? ops->valid.min_access_size : 1;
}

static unsigned valid_max(const MemoryRegionOps *ops)
{
    return ops->valid.max_access_size ? ops->valid.max_access_size : 4;
}

static unsigned impl_min(const MemoryRegionOps *ops)
{
    return ops->impl.min_access_size ? ops->impl.min_access_size : 1;
}

static unsigned impl_max(const MemoryRegionOps *ops)
{
    return ops->impl.max_access_size ? ops->impl.max_access_size : 4;
}

/* May the guest make this access?  Logs the reason if not. */
static bool memory_region_access_valid(MemoryRegion *mr, hwaddr addr,
                                       unsigned size, bool is_write)
{
    const MemoryRegionOps *ops = mr->ops;

    if ((is_write && !ops->write) || (!is_write && !ops->read)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s of %u bytes at 0x%" HWADDR_PRIx
                      " of '%s': not supported by the device\n",
                      is_write ? "write" : "read", size, addr, mr->name);
        return false;
    }
    if (size < valid_min(ops) || size > valid_max(ops)) {
        qemu_log_mask(LOG_GUEST_ERROR, "invalid %u-byte %s at 0x%" HWADDR_PRIx
                      " of '%s' (allowed: %u to %u bytes)\n", size,
                      is_write ? "write" : "read", addr, mr->name,
                      valid_min(ops), valid_max(ops));
        return false;
    }
    if (!ops->valid.unaligned && (addr & (size - 1))) {
        qemu_log_mask(LOG_GUEST_ERROR, "misaligned %u-byte %s at 0x%"
                      HWADDR_PRIx " of '%s'\n", size,
                      is_write ? "write" : "read", addr, mr->name);
        return false;
    }
    return true;
}

/*
 * Call the device with accesses it implements: split a wide access into
 * several, widen a narrow one, little-endian either way.
 */
static uint64_t mmio_read(MemoryRegion *mr, hwaddr addr, unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned access = MAX(MIN(size, impl_max(ops)), impl_min(ops));
    uint64_t access_mask = access == 8 ? ~0ULL : (1ULL << (access * 8)) - 1;
    uint64_t val = 0;

    for (unsigned i = 0; i < size; i += access) {
        uint64_t v = ops->read(mr->opaque, addr + i, access) & access_mask;

        val |= v << (i * 8);
    }
    if (size < 8) {
        val &= (1ULL << (size * 8)) - 1;
    }
    return val;
}

static void mmio_write(MemoryRegion *mr, hwaddr addr, uint64_t data,
                       unsigned size)
{
    const MemoryRegionOps *ops = mr->ops;
    unsigned access = MAX(MIN(size, impl_max(ops)), impl_min(ops));
    uint64_t access_mask = access == 8 ? ~0ULL : (1ULL << (access * 8)) - 1;

    if (size < 8) {
        data &= (1ULL << (size * 8)) - 1;
    }
    for (unsigned i = 0; i < size; i += access) {
        ops->write(mr->opaque, addr + i, (data >> (i * 8)) & access_mask,
                   access);
    }
}

/* Little-endian load/store of size bytes at host pointer p. */
static uint64_t ldn_le(const void *p, unsigned size)
{
    uint64_t val = 0;

    memcpy(&val, p, size);
    return GUINT64_FROM_LE(val);
}

static void stn_le(void *p, unsigned size, uint64_t val)
{
    val = GUINT64_TO_LE(val);
    memcpy(p, &val, size);
}

MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *pval, MemOp op,
                                        MemTxAttrs attrs)
{
    unsigned size = memop_size(op);
    bool locked;

    if (mr->ram) {
        assert(addr + size <= mr->size);
        *pval = ldn_le((uint8_t *)memory_region_get_ram_ptr(mr) + addr, size);
        return MEMTX_OK;
    }
    assert(mr->terminates && mr->ops);
    if (!memory_region_access_valid(mr, addr, size, false)) {
        *pval = 0;
        return MEMTX_DECODE_ERROR;
    }
    locked = qemu_mutex_iothread_locked();
    if (!locked) {
        qemu_mutex_lock_iothread();
    }
    *pval = mmio_read(mr, addr, size);
    if (!locked) {
        qemu_mutex_unlock_iothread();
    }
    if (op & MO_SIGN) {
        *pval = sextract64(*pval, 0, size * 8);
    }
    return MEMTX_OK;
}

MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, MemOp op,
                                         MemTxAttrs attrs)
{
    unsigned size = memop_size(op);
    bool locked;

    if (mr->ram) {
        assert(addr + size <= mr->size);
        if (mr->readonly) {
            qemu_log_mask(LOG_GUEST_ERROR, "write of %u bytes to ROM '%s' "
                          "at offset 0x%" HWADDR_PRIx " ignored\n",
                          size, mr->name, addr);
            return MEMTX_OK;
        }
        stn_le((uint8_t *)memory_region_get_ram_ptr(mr) + addr, size, data);
        cpu_physical_memory_invalidate_and_set_dirty(
            memory_region_get_ram_addr(mr) + addr, size);
        return MEMTX_OK;
    }
    assert(mr->terminates && mr->ops);
    if (!memory_region_access_valid(mr, addr, size, true)) {
        return MEMTX_DECODE_ERROR;
    }
    locked = qemu_mutex_iothread_locked();
    if (!locked) {
        qemu_mutex_lock_iothread();
    }
    mmio_write(mr, addr, data, size);
    if (!locked) {
        qemu_mutex_unlock_iothread();
    }
    return MEMTX_OK;
}

/*
 * Copying to and from address spaces
 */

/* The largest power of two <= len that fits an access at addr. */
static unsigned mmio_chunk(hwaddr addr, hwaddr len)
{
    unsigned size = 8;

    while (size > len || (addr & (size - 1))) {
        size >>= 1;
    }
    return size;
}

static MemTxResult flatview_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                               uint8_t *buf, hwaddr len, bool is_write,
                               bool to_rom)
{
    MemTxResult result = MEMTX_OK;

    /* The regions found stay valid until the copy is done. */
    RCU_READ_LOCK_GUARD();

    while (len > 0) {
        hwaddr xlat, l = len;
        MemoryRegion *mr = address_space_translate(as, addr, &xlat, &l,
                                                   is_write, attrs);

        if (!mr) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s %s of %" PRIu64 " bytes at "
                          "unassigned address 0x%" HWADDR_PRIx "\n",
                          as->name, is_write ? "write" : "read",
                          (uint64_t)l, addr);
            if (!is_write) {
                memset(buf, 0, l);
            }
            result |= MEMTX_DECODE_ERROR;
        } else if (mr->ram) {
            uint8_t *host = (uint8_t *)memory_region_get_ram_ptr(mr) + xlat;

            if (!is_write) {
                memcpy(buf, host, l);
            } else if (mr->readonly && !to_rom) {
                qemu_log_mask(LOG_GUEST_ERROR, "%s write to ROM '%s' at "
                              "0x%" HWADDR_PRIx " ignored\n", as->name,
                              mr->name, addr);
            } else {
                memcpy(host, buf, l);
                cpu_physical_memory_invalidate_and_set_dirty(
                    memory_region_get_ram_addr(mr) + xlat, l);
            }
        } else {
            /* MMIO: the widest naturally aligned pieces that fit. */
            l = mmio_chunk(xlat, l);
            if (is_write) {
                result |= memory_region_dispatch_write(mr, xlat,
                                                       ldn_le(buf, l),
                                                       size_memop(l), attrs);
            } else {
                uint64_t v;

                result |= memory_region_dispatch_read(mr, xlat, &v,
                                                      size_memop(l), attrs);
                stn_le(buf, l, v);
            }
        }
        buf += l;
        addr += l;
        len -= l;
    }
    return result;
}

MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len)
{
    return flatview_rw(as, addr, attrs, buf, len, false, false);
}

MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf,
                                hwaddr len)
{
    return flatview_rw(as, addr, attrs, (void *)buf, len, true, false);
}

MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write)
{
    return flatview_rw(as, addr, attrs, buf, len, is_write, false);
}

MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr,
                                    MemTxAttrs attrs, const void *buf,
                                    hwaddr len)
{
    return flatview_rw(as, addr, attrs, (void *)buf, len, true, true);
}

void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen,
                        bool is_write, MemTxAttrs attrs)
{
    hwaddr xlat;
    MemoryRegion *mr;

    if (*plen == 0) {
        return NULL;
    }
    mr = address_space_translate(as, addr, &xlat, plen, is_write, attrs);
    if (!mr || !mr->ram || (is_write && mr->readonly)) {
        *plen = 0;
        return NULL;
    }
    return (uint8_t *)memory_region_get_ram_ptr(mr) + xlat;
}

void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len,
                         bool is_write, hwaddr access_len)
{
    if (is_write && access_len) {
        ram_addr_t addr = qemu_ram_addr_from_host(buffer);

        assert(addr != RAM_ADDR_MAX);
        cpu_physical_memory_invalidate_and_set_dirty(addr, access_len);
    }
}

#define DEFINE_LD(name, size)                                               \
uint32_t address_space_##name(AddressSpace *as, hwaddr addr,                \
                              MemTxAttrs attrs, MemTxResult *result)        \
{                                                                           \
    uint8_t buf[size];                                                      \
    MemTxResult r = address_space_read(as, addr, attrs, buf, size);         \
                                                                            \
    if (result) {                                                           \
        *result = r;                                                        \
    }                                                                       \
    return ldn_le(buf, size);                                               \
}

#define DEFINE_ST(name, size, type)                                         \
void address_space_##name(AddressSpace *as, hwaddr addr, type val,          \
                          MemTxAttrs attrs, MemTxResult *result)            \
{                                                                           \
    uint8_t buf[size];                                                      \
    MemTxResult r;                                                          \
                                                                            \
    stn_le(buf, size, val);                                                 \
    r = address_space_write(as, addr, attrs, buf, size);                    \
    if (result) {                                                           \
        *result = r;                                                        \
    }                                                                       \
}

DEFINE_LD(ldub, 1)
DEFINE_LD(lduw_le, 2)
DEFINE_LD(ldl_le, 4)
DEFINE_ST(stb, 1, uint32_t)
DEFINE_ST(stw_le, 2, uint32_t)
DEFINE_ST(stl_le, 4, uint32_t)
DEFINE_ST(stq_le, 8, uint64_t)

uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr,
                              MemTxAttrs attrs, MemTxResult *result)
{
    uint8_t buf[8];
    MemTxResult r = address_space_read(as, addr, attrs, buf, 8);

    if (result) {
        *result = r;
    }
    return ldn_le(buf, 8);
}

void cpu_physical_memory_read(hwaddr addr, void *buf, hwaddr len)
{
    address_space_read(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                       buf, len);
}

void cpu_physical_memory_write(hwaddr addr, const void *buf, hwaddr len)
{
    address_space_write(&address_space_memory, addr, MEMTXATTRS_UNSPECIFIED,
                        buf, len);
}

/*
 * info mtree
 */
static const char *region_kind(const MemoryRegion *mr)
{
    if (mr->alias) {
        return "alias";
    }
    if (mr->ram) {
        return mr->readonly ? "rom" : "ram";
    }
    if (mr->terminates) {
        return "i/o";
    }
    return "container";
}

static uint64_t last_addr(hwaddr base, const MemoryRegion *mr)
{
    return mr->size == UINT64_MAX ? UINT64_MAX : base + mr->size - 1;
}

static void mtree_print_mr(GString *buf, const MemoryRegion *mr,
                           unsigned level, hwaddr base)
{
    const MemoryRegion *sub;

    g_string_append_printf(buf, "%*s%016" PRIx64 "-%016" PRIx64
                           " (prio %d, %s%s): %s", level * 2 + 2, "",
                           base, last_addr(base, mr), mr->priority,
                           region_kind(mr), mr->enabled ? "" : ", disabled",
                           mr->name);
    if (mr->alias) {
        g_string_append_printf(buf, " @%s %016" PRIx64 "-%016" PRIx64,
                               mr->alias->name, mr->alias_offset,
                               last_addr(mr->alias_offset, mr));
    }
    g_string_append_c(buf, '\n');
    QTAILQ_FOREACH(sub, &mr->subregions, subregions_link) {
        mtree_print_mr(buf, sub, level + 1, base + sub->addr);
    }
}

void mtree_info(GString *buf)
{
    AddressSpace *as;

    RCU_READ_LOCK_GUARD();
    QTAILQ_FOREACH(as, &address_spaces, address_spaces_link) {
        FlatView *view = address_space_to_flatview(as);

        g_string_append_printf(buf, "address-space: %s\n", as->name);
        mtree_print_mr(buf, as->root, 0, 0);
        g_string_append_printf(buf, "\nFlatView for %s:\n", as->name);
        for (unsigned i = 0; i < view->nr; i++) {
            FlatRange *fr = &view->ranges[i];

            g_string_append_printf(buf, "  %016" PRIx64 "-%016" PRIx64
                                   " (%s%s): %s @%016" PRIx64 "\n",
                                   (uint64_t)fr->start,
                                   (uint64_t)(fr->end - 1),
                                   region_kind(fr->mr),
                                   fr->readonly && !fr->mr->readonly ?
                                   ", readonly" : "",
                                   fr->mr->name, fr->offset_in_region);
        }
        g_string_append_c(buf, '\n');
    }
}
