/*
 * Memory backends (include/sysemu/hostmem.h).
 *
 * All state here is used under the BQL.  A backend's RAM region is never
 * put into an address space by this file: a device that claims the
 * backend decides what the guest sees.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/option.h"
#include "qapi/error.h"
#include "sysemu/hostmem.h"
#include "exec/ramblock.h"

static QTAILQ_HEAD(, HostMemoryBackend) backends =
    QTAILQ_HEAD_INITIALIZER(backends);

HostMemoryBackend *host_memory_backend_find(const char *id)
{
    HostMemoryBackend *backend;

    QTAILQ_FOREACH(backend, &backends, next) {
        if (!strcmp(backend->id, id)) {
            return backend;
        }
    }
    return NULL;
}

HostMemoryBackend *host_memory_backend_next(HostMemoryBackend *prev)
{
    return prev ? QTAILQ_NEXT(prev, next) : QTAILQ_FIRST(&backends);
}

char *host_memory_backend_path(const HostMemoryBackend *backend)
{
    return g_strdup_printf("/objects/%s", backend->id);
}

HostMemoryBackend *host_memory_backend_create(const char *qom_type,
                                              const char *id, bool has_size,
                                              uint64_t size, bool share,
                                              Error **errp)
{
    HostMemoryBackend *backend;
    g_autofree char *path = NULL;

    if (strcmp(qom_type, TYPE_MEMORY_BACKEND_RAM) != 0) {
        error_setg(errp, "invalid object type '%s' (the only one is "
                   TYPE_MEMORY_BACKEND_RAM ")", qom_type);
        return NULL;
    }
    if (!id) {
        error_setg(errp, "Parameter 'id' is missing");
        return NULL;
    }
    if (!id_wellformed(id)) {
        error_setg(errp, "Parameter 'id' expects an identifier (a letter, "
                   "then letters, digits, '-', '.' or '_'), not '%s'", id);
        return NULL;
    }
    if (host_memory_backend_find(id)) {
        error_setg(errp, "an object with id '%s' already exists", id);
        return NULL;
    }
    if (!has_size) {
        error_setg(errp, TYPE_MEMORY_BACKEND_RAM " '%s': parameter 'size' "
                   "is missing", id);
        return NULL;
    }
    if (size == 0) {
        error_setg(errp, TYPE_MEMORY_BACKEND_RAM " '%s': size must be "
                   "more than 0", id);
        return NULL;
    }

    backend = g_new0(HostMemoryBackend, 1);
    backend->id = g_strdup(id);
    backend->size = size;
    backend->share = share;
    path = host_memory_backend_path(backend);
    if (!memory_region_init_ram_flags(&backend->mr, NULL, path, size,
                                      share ? RAM_SHARED : 0, errp)) {
        memory_region_finalize(&backend->mr);
        g_free(backend->id);
        g_free(backend);
        return NULL;
    }
    QTAILQ_INSERT_TAIL(&backends, backend, next);
    return backend;
}

bool object_add_from_str(const char *optstr, Error **errp)
{
    static const char *const known[] = { "qom-type", "id", "size", "share",
                                         NULL };
    g_autoptr(QemuOpts) opts = qemu_opts_parse(optstr, "qom-type", errp);
    const char *type;
    uint64_t size;
    bool share;

    if (!opts) {
        return false;
    }
    type = qemu_opt_get(opts, "qom-type");
    if (!type) {
        error_setg(errp, "Parameter 'qom-type' is missing");
        return false;
    }
    if (strcmp(type, TYPE_MEMORY_BACKEND_RAM) != 0) {
        /* The same message for every way of asking. */
        return host_memory_backend_create(type, NULL, false, 0, false, errp);
    }
    if (!qemu_opts_check_known(opts, known, errp) ||
        !qemu_opt_get_size(opts, "size", 0, &size, errp) ||
        !qemu_opt_get_bool(opts, "share", false, &share, errp)) {
        return false;
    }
    return host_memory_backend_create(type, qemu_opt_get(opts, "id"),
                                      qemu_opt_has(opts, "size"), size, share,
                                      errp) != NULL;
}

bool object_del(const char *id, Error **errp)
{
    HostMemoryBackend *backend = host_memory_backend_find(id);

    if (!backend) {
        error_setg(errp, "object '%s' not found", id);
        return false;
    }
    if (backend->user) {
        error_setg(errp, "object '%s' is in use by device '%s' and cannot "
                   "be deleted", id, backend->user);
        return false;
    }
    QTAILQ_REMOVE(&backends, backend, next);
    memory_region_finalize(&backend->mr);
    g_free(backend->id);
    g_free(backend);
    return true;
}

bool host_memory_backend_claim(HostMemoryBackend *backend, const char *user,
                               Error **errp)
{
    assert(user);
    if (backend->user) {
        error_setg(errp, "memory backend '%s' is already in use by device "
                   "'%s'", backend->id, backend->user);
        return false;
    }
    backend->user = g_strdup(user);
    return true;
}

void host_memory_backend_release(HostMemoryBackend *backend)
{
    assert(backend->user);
    g_free(backend->user);
    backend->user = NULL;
}
