/*
 * Memory backends: guest memory as run-time objects, QEMU's
 * memory-backend-ram.
 *
 * A backend is created by -object, QMP object-add or HMP object_add:
 *
 *   -object memory-backend-ram,id=vmem0,size=2G[,share=on|off]
 *
 * and owns real RAM from then on: a RAM region named "/objects/ID" with a
 * RAMBlock of its own (`info ramblock` lists it), whose host memory is
 * mapped with MAP_NORESERVE and populated lazily by the host, so a large
 * backend costs address space, not memory, until something writes it.
 * share=on makes it shared memory (MAP_SHARED) instead of private.
 *
 * A backend lives until object-del; a device that uses it (virtio-mem's
 * memdev) claims it first, and deleting a claimed backend is an error
 * that names the device.
 *
 * Threads: everything here runs with the BQL held (the monitor, the
 * command line, device creation).  The backend list and each backend's
 * fields are read and written under the BQL only.
 */
#ifndef SYSEMU_HOSTMEM_H
#define SYSEMU_HOSTMEM_H

#include "exec/memory.h"
#include "qemu/queue.h"

#define TYPE_MEMORY_BACKEND_RAM "memory-backend-ram"

typedef struct HostMemoryBackend {
    char *id;
    uint64_t size;
    bool share;
    MemoryRegion mr;            /* RAM, named "/objects/ID" */
    char *user;                 /* the device that claimed it, or NULL */
    QTAILQ_ENTRY(HostMemoryBackend) next;
} HostMemoryBackend;

/*
 * Create a backend of type qom_type (only memory-backend-ram) with the
 * given id and size (has_size false: none was given).  NULL with *errp
 * for an unknown type, a missing or malformed id, an id already taken, a
 * missing or zero size, or memory the host will not map.
 */
HostMemoryBackend *host_memory_backend_create(const char *qom_type,
                                              const char *id, bool has_size,
                                              uint64_t size, bool share,
                                              Error **errp);

/*
 * -object and HMP object_add: "memory-backend-ram,id=ID,size=SIZE
 * [,share=on|off]" (qom-type is the implied first key; sizes take K, M, G
 * and T suffixes).  Unknown keys are refused.  False with *errp.
 */
bool object_add_from_str(const char *optstr, Error **errp);

/*
 * object-del: delete backend id and free its RAM.  False with *errp if
 * there is no such object or a device uses it.  The backend's region was
 * never mapped into an address space (a device maps its own), so no
 * FlatView and no TLB can refer to it and the memory goes at once.
 */
bool object_del(const char *id, Error **errp);

HostMemoryBackend *host_memory_backend_find(const char *id);
/* The backend after prev in creation order (the first with NULL). */
HostMemoryBackend *host_memory_backend_next(HostMemoryBackend *prev);
/* "/objects/ID", QEMU's QOM path; g_free it. */
char *host_memory_backend_path(const HostMemoryBackend *backend);

/*
 * A device named user takes backend for itself; false with *errp if
 * another device already has it.  Release gives it back.
 */
bool host_memory_backend_claim(HostMemoryBackend *backend, const char *user,
                               Error **errp);
void host_memory_backend_release(HostMemoryBackend *backend);

#endif /* SYSEMU_HOSTMEM_H */
