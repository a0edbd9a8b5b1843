/*
 * The memory API: the guest's physical address space as a tree of regions.
 *
 * A MemoryRegion is RAM, ROM, MMIO (callbacks), an alias (a window onto
 * part of another region) or a container (holding subregions at offsets,
 * with priorities deciding overlaps).  An AddressSpace is a root region as
 * seen by some master (the CPUs, DMA); the topology is rendered into a
 * FlatView, a sorted array of non-overlapping ranges, each pointing at the
 * region that terminates there.  Lookups binary-search the FlatView.
 *
 * Threads and locks
 *  - Building and changing the region tree (init, add/del subregion,
 *    set_enabled...) happens under the BQL.  Each change re-renders the
 *    FlatViews of the address spaces and then calls the MemoryListeners'
 *    commit hooks (the vCPUs flush their TLBs there).
 *  - address_space_* lookups and accesses may run on any thread (vCPUs
 *    refilling TLBs, devices doing DMA).  They hold a reference to the
 *    FlatView for the duration of the lookup (taken under a mutex), so a
 *    concurrent re-render cannot free it under them.  MMIO callbacks are
 *    always called with the BQL held: the dispatch functions take it if
 *    the caller does not hold it.
 *  - RAM contents are accessed without locks, like real memory.
 */
#ifndef EXEC_MEMORY_H
#define EXEC_MEMORY_H

#include "exec/hwaddr.h"
#include "exec/cpu-common.h"
#include "qemu/queue.h"

typedef struct MemoryRegion MemoryRegion;
typedef struct MemoryRegionOps MemoryRegionOps;
typedef struct AddressSpace AddressSpace;
typedef struct FlatView FlatView;
typedef struct MemoryListener MemoryListener;
typedef struct RAMBlock RAMBlock;
/* Grace has no QOM; "owner" arguments are kept for QEMU's signatures and
 * are only used to name things in `info mtree`.  Pass NULL. */
typedef struct Object Object;

enum device_endian {
    DEVICE_NATIVE_ENDIAN,
    DEVICE_BIG_ENDIAN,
    DEVICE_LITTLE_ENDIAN,
};

/*
 * MemOp: the size of an access (log2 of bytes) and its signedness, as the
 * CPU's load/store helpers describe it.  Grace's guests are little-endian
 * and so are its hosts; there is no byte-swap flag.
 */
typedef enum MemOp {
    MO_8 = 0,
    MO_16 = 1,
    MO_32 = 2,
    MO_64 = 3,
    MO_SIZE = 3,
    MO_SIGN = 4,
    MO_UB = MO_8, MO_UW = MO_16, MO_UL = MO_32, MO_UQ = MO_64,
    MO_SB = MO_8 | MO_SIGN, MO_SW = MO_16 | MO_SIGN, MO_SL = MO_32 | MO_SIGN,
} MemOp;

static inline unsigned memop_size(MemOp op)
{
    return 1u << (op & MO_SIZE);
}

static inline MemOp size_memop(unsigned size)
{
    return (MemOp)ctz32(size);
}

/*
 * MMIO callbacks.  read/write are called with the BQL held, with addr the
 * offset within the region, and size within [impl.min, impl.max]; the
 * dispatcher splits or widens guest accesses to fit (an unset impl means
 * 1..4).  valid says what the guest may do: an access outside it (size,
 * or alignment unless valid.unaligned) is refused with MEMTX_DECODE_ERROR
 * without calling the device (the CPU turns that into an access fault),
 * and logged under -d guest_errors.  An unset valid means 1..4, aligned.
 */
struct MemoryRegionOps {
    uint64_t (*read)(void *opaque, hwaddr addr, unsigned size);
    void (*write)(void *opaque, hwaddr addr, uint64_t data, unsigned size);
    enum device_endian endianness;
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } valid;
    struct {
        unsigned min_access_size;
        unsigned max_access_size;
        bool unaligned;
    } impl;
};

/*
 * The fields are private to softmmu/memory.c; devices embed the struct and
 * use the functions below.
 */
struct MemoryRegion {
    const MemoryRegionOps *ops;
    void *opaque;
    MemoryRegion *container;
    char *name;
    uint64_t size;              /* UINT64_MAX stands for the whole 2^64 */
    hwaddr addr;                /* offset in the container */
    bool ram;
    bool readonly;              /* ROM: RAM the guest cannot write */
    bool terminates;            /* RAM, ROM or MMIO: not a container/alias */
    bool enabled;
    bool may_overlap;
    int priority;
    RAMBlock *ram_block;
    MemoryRegion *alias;
    hwaddr alias_offset;
    QTAILQ_HEAD(, MemoryRegion) subregions;
    QTAILQ_ENTRY(MemoryRegion) subregions_link;
};

struct AddressSpace {
    char *name;
    MemoryRegion *root;
    FlatView *current_map;      /* RCU: see softmmu/memory.c */
    QTAILQ_HEAD(, MemoryListener) listeners;
    QTAILQ_ENTRY(AddressSpace) address_spaces_link;
};

/*
 * Called (BQL held) after each topology change of the address space it is
 * registered on, once the new FlatView is in place.
 */
struct MemoryListener {
    void (*commit)(MemoryListener *listener);
    AddressSpace *address_space;
    QTAILQ_ENTRY(MemoryListener) link;
};

/* A container: holds subregions, terminates nothing itself. */
void memory_region_init(MemoryRegion *mr, Object *owner, const char *name,
                        uint64_t size);
void memory_region_init_io(MemoryRegion *mr, Object *owner,
                           const MemoryRegionOps *ops, void *opaque,
                           const char *name, uint64_t size);
/* RAM backed by a new RAMBlock named name; false with *errp on failure. */
bool memory_region_init_ram(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp);
/* As memory_region_init_ram, with RAM_* flags for the block (RAM_SHARED). */
bool memory_region_init_ram_flags(MemoryRegion *mr, Object *owner,
                                  const char *name, uint64_t size,
                                  uint32_t ram_flags, Error **errp);
/* As RAM, but the guest's writes are ignored (and logged). */
bool memory_region_init_rom(MemoryRegion *mr, Object *owner, const char *name,
                            uint64_t size, Error **errp);
void memory_region_init_alias(MemoryRegion *mr, Object *owner,
                              const char *name, MemoryRegion *orig,
                              hwaddr offset, uint64_t size);

/*
 * Release what init allocated (the name, a RAM block).  mr must not be
 * in a container and must have no subregions.  BQL held.
 */
void memory_region_finalize(MemoryRegion *mr);
/*
 * Finalize and g_free mr, a region allocated with g_new that was in an
 * address space while vCPUs ran and has since been taken out of its
 * container (memory_region_del_subregion): after a grace period, when no
 * reader can still hold it and no vCPU a TLB entry for it.  BQL held.
 */
void memory_region_free_rcu(MemoryRegion *mr);

/*
 * Group topology changes: the FlatViews are rendered (and the listeners'
 * commit hooks, the vCPUs' TLB flushes among them, called) once, at the
 * outermost commit, instead of after each change.  Nestable.  BQL held.
 */
void memory_region_transaction_begin(void);
void memory_region_transaction_commit(void);

void memory_region_add_subregion(MemoryRegion *mr, hwaddr offset,
                                 MemoryRegion *subregion);
/* Higher priority wins where subregions overlap. */
void memory_region_add_subregion_overlap(MemoryRegion *mr, hwaddr offset,
                                         MemoryRegion *subregion,
                                         int priority);
void memory_region_del_subregion(MemoryRegion *mr, MemoryRegion *subregion);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

uint64_t memory_region_size(MemoryRegion *mr);
const char *memory_region_name(const MemoryRegion *mr);
bool memory_region_is_ram(MemoryRegion *mr);
bool memory_region_is_rom(MemoryRegion *mr);
/* Host pointer to the start of a RAM/ROM region's memory. */
void *memory_region_get_ram_ptr(MemoryRegion *mr);
/* ram_addr of a RAM/ROM region's first byte. */
ram_addr_t memory_region_get_ram_addr(MemoryRegion *mr);

/*
 * Access a region directly (addr is the offset within mr, which must be
 * an MMIO, RAM or ROM region, not a container).  For MMIO the call is
 * made under the BQL (taken here if the caller does not hold it).
 */
MemTxResult memory_region_dispatch_read(MemoryRegion *mr, hwaddr addr,
                                        uint64_t *pval, MemOp op,
                                        MemTxAttrs attrs);
MemTxResult memory_region_dispatch_write(MemoryRegion *mr, hwaddr addr,
                                         uint64_t data, MemOp op,
                                         MemTxAttrs attrs);

/* The root of the system address space (all of physical memory). */
MemoryRegion *get_system_memory(void);
extern AddressSpace address_space_memory;

void address_space_init(AddressSpace *as, MemoryRegion *root,
                        const char *name);
/* Forget as (its listeners must be gone); the root region is untouched. */
void address_space_destroy(AddressSpace *as);
void memory_listener_register(MemoryListener *listener, AddressSpace *as);
void memory_listener_unregister(MemoryListener *listener);

/*
 * Translate addr in as to the terminating region that backs it: returns
 * the region and sets *xlat to the offset within it, and shrinks *plen so
 * that [addr, addr + *plen) stays inside that region.  Where nothing is
 * mapped, returns NULL and sets *plen to the length of the hole (so
 * callers can skip it).  is_write and attrs are accepted for QEMU's
 * signature.  Any thread, with no lock; the region is valid until the end
 * of the caller's RCU read-side section (vCPUs and the main loop are
 * always in one; other threads wrap the call and the use).
 */
MemoryRegion *address_space_translate(AddressSpace *as, hwaddr addr,
                                      hwaddr *xlat, hwaddr *plen,
                                      bool is_write, MemTxAttrs attrs);

/*
 * Copy between guest physical memory and buf, crossing regions as needed.
 * Unmapped bytes read as 0 (and are logged); writes to them and to ROM are
 * dropped.  The result ORs what each piece returned.  Any thread.
 */
MemTxResult address_space_read(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, void *buf, hwaddr len);
MemTxResult address_space_write(AddressSpace *as, hwaddr addr,
                                MemTxAttrs attrs, const void *buf,
                                hwaddr len);
MemTxResult address_space_rw(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                             void *buf, hwaddr len, bool is_write);
/* Write even into ROM (firmware loading). */
MemTxResult address_space_write_rom(AddressSpace *as, hwaddr addr,
                                    MemTxAttrs attrs, const void *buf,
                                    hwaddr len);

/*
 * Map guest RAM for direct access by a device (DMA).  Returns a host
 * pointer to *plen bytes (shortened to stay within one RAM region), or
 * NULL if addr is not RAM (then fall back to address_space_read/write).
 * Pair with address_space_unmap, which marks written pages dirty.
 */
void *address_space_map(AddressSpace *as, hwaddr addr, hwaddr *plen,
                        bool is_write, MemTxAttrs attrs);
void address_space_unmap(AddressSpace *as, void *buffer, hwaddr len,
                         bool is_write, hwaddr access_len);

/* Little-endian loads and stores of guest memory, for devices. */
uint32_t address_space_ldub(AddressSpace *as, hwaddr addr, MemTxAttrs attrs,
                            MemTxResult *result);
uint32_t address_space_lduw_le(AddressSpace *as, hwaddr addr,
                               MemTxAttrs attrs, MemTxResult *result);
uint32_t address_space_ldl_le(AddressSpace *as, hwaddr addr,
                              MemTxAttrs attrs, MemTxResult *result);
uint64_t address_space_ldq_le(AddressSpace *as, hwaddr addr,
                              MemTxAttrs attrs, MemTxResult *result);
void address_space_stb(AddressSpace *as, hwaddr addr, uint32_t val,
                       MemTxAttrs attrs, MemTxResult *result);
void address_space_stw_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stl_le(AddressSpace *as, hwaddr addr, uint32_t val,
                          MemTxAttrs attrs, MemTxResult *result);
void address_space_stq_le(AddressSpace *as, hwaddr addr, uint64_t val,
                          MemTxAttrs attrs, MemTxResult *result);

/* The same with unspecified attributes and results ignored. */
static inline uint32_t ldub_phys(AddressSpace *as, hwaddr addr)
{
    return address_space_ldub(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline uint32_t lduw_le_phys(AddressSpace *as, hwaddr addr)
{
    return address_space_lduw_le(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline uint32_t ldl_le_phys(AddressSpace *as, hwaddr addr)
{
    return address_space_ldl_le(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline uint64_t ldq_le_phys(AddressSpace *as, hwaddr addr)
{
    return address_space_ldq_le(as, addr, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void stb_phys(AddressSpace *as, hwaddr addr, uint32_t val)
{
    address_space_stb(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void stw_le_phys(AddressSpace *as, hwaddr addr, uint32_t val)
{
    address_space_stw_le(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void stl_le_phys(AddressSpace *as, hwaddr addr, uint32_t val)
{
    address_space_stl_le(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
}

static inline void stq_le_phys(AddressSpace *as, hwaddr addr, uint64_t val)
{
    address_space_stq_le(as, addr, val, MEMTXATTRS_UNSPECIFIED, NULL);
}

/* `info mtree`: print the region tree and the flat views. */
void mtree_info(GString *buf);

#endif /* EXEC_MEMORY_H */
