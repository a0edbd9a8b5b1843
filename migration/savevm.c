/*
 * The registry of device sections and the device part of the stream
 * (migration/savevm.h, include/migration/vmstate.h).
 *
 * The registry is a list in registration order, changed and walked with
 * the BQL held (devices register while the machine is built; a device
 * that can be unplugged unregisters).  A section is identified by its
 * description's name and an instance number.
 */
#include "qemu/osdep.h"
#include "qemu/queue.h"
#include "migration/savevm.h"
#include "migration/blocker.h"

typedef struct SaveStateEntry {
    const VMStateDescription *vmsd;
    uint32_t instance_id;
    void *opaque;
    bool loaded;                /* seen in the stream being loaded */
    QTAILQ_ENTRY(SaveStateEntry) next;
} SaveStateEntry;

static QTAILQ_HEAD(, SaveStateEntry) savevm_state =
    QTAILQ_HEAD_INITIALIZER(savevm_state);

/* Migration blockers (include/migration/blocker.h), in the order added. */
static GSList *migration_blockers;

/*
 * The regions whose RAM migration carries.  Written at machine creation
 * with the BQL; read by the migration and incoming threads, which start
 * later (thread creation orders the writes before their reads).
 */
static GPtrArray *migratable_ram;

static SaveStateEntry *find_se(const char *name, uint32_t instance_id)
{
    SaveStateEntry *se;

    QTAILQ_FOREACH(se, &savevm_state, next) {
        if (se->instance_id == instance_id && !strcmp(se->vmsd->name, name)) {
            return se;
        }
    }
    return NULL;
}

void vmstate_register(const VMStateDescription *vmsd, uint32_t instance_id,
                      void *opaque)
{
    SaveStateEntry *se = g_new0(SaveStateEntry, 1);

    /* Names go on the wire as mig_put_str strings. */
    assert(vmsd->name && strlen(vmsd->name) <= 255);
    assert(vmsd->minimum_version_id <= vmsd->version_id);
    /* Two devices with one section name is a bug in their registration. */
    assert(!find_se(vmsd->name, instance_id));
    se->vmsd = vmsd;
    se->instance_id = instance_id;
    se->opaque = opaque;
    QTAILQ_INSERT_TAIL(&savevm_state, se, next);
}

void vmstate_unregister(const VMStateDescription *vmsd, void *opaque)
{
    SaveStateEntry *se, *next;

    QTAILQ_FOREACH_SAFE(se, &savevm_state, next, next) {
        if (se->vmsd == vmsd && se->opaque == opaque) {
            QTAILQ_REMOVE(&savevm_state, se, next);
            g_free(se);
        }
    }
}

void vmstate_register_ram(MemoryRegion *mr)
{
    if (!migratable_ram) {
        migratable_ram = g_ptr_array_new();
    }
    g_ptr_array_add(migratable_ram, mr);
}

bool vmstate_ram_is_migratable(const MemoryRegion *mr)
{
    return migratable_ram &&
           g_ptr_array_find(migratable_ram, mr, NULL);
}

void migrate_add_blocker(Error *reason)
{
    migration_blockers = g_slist_append(migration_blockers, reason);
}

void migrate_del_blocker(Error *reason)
{
    if (g_slist_find(migration_blockers, reason)) {
        migration_blockers = g_slist_remove(migration_blockers, reason);
        error_free(reason);
    }
}

bool migration_check_blockers(Error **errp)
{
    if (migration_blockers) {
        error_setg(errp, "%s", error_get_pretty(migration_blockers->data));
        return false;
    }
    return true;
}

void qemu_savevm_section(GByteArray *buf, const VMStateDescription *vmsd,
                         uint32_t instance_id, void *opaque)
{
    mig_put_str(buf, vmsd->name);
    mig_put_le32(buf, instance_id);
    mig_put_le32(buf, vmsd->version_id);
    vmstate_save_state(buf, vmsd, opaque);
}

bool qemu_savevm_section_by_name(GByteArray *buf, const char *name,
                                 uint32_t instance_id)
{
    SaveStateEntry *se = find_se(name, instance_id);

    if (!se) {
        return false;
    }
    qemu_savevm_section(buf, se->vmsd, instance_id, se->opaque);
    return true;
}

unsigned qemu_savevm_state_devices(QEMUFile *f)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    SaveStateEntry *se;
    unsigned n = 0;

    QTAILQ_FOREACH(se, &savevm_state, next) {
        g_byte_array_set_size(buf, 0);
        qemu_savevm_section(buf, se->vmsd, se->instance_id, se->opaque);
        /* A section too large for a record is a bug in its description. */
        assert(buf->len <= MIG_RECORD_MAX);
        qemu_file_put_record(f, MIG_REC_DEVICE, buf->data, buf->len, -1);
        n++;
    }
    return n;
}

void qemu_loadvm_state_begin(void)
{
    SaveStateEntry *se;

    QTAILQ_FOREACH(se, &savevm_state, next) {
        se->loaded = false;
    }
}

bool qemu_loadvm_section(MigReader *r, Error **errp)
{
    char name[256];
    uint32_t instance_id, version_id;
    SaveStateEntry *se;
    size_t start;

    if (!mig_get_str(r, name, sizeof(name)) ||
        !mig_get_le32(r, &instance_id) || !mig_get_le32(r, &version_id)) {
        error_setg(errp, "a device record is too short for its header");
        return false;
    }
    se = find_se(name, instance_id);
    if (!se) {
        error_setg(errp, "section '%s' instance %" PRIu32 ": this machine "
                   "has no such device", name, instance_id);
        return false;
    }
    if (se->loaded) {
        error_setg(errp, "section '%s' instance %" PRIu32 " appears twice "
                   "in the stream", name, instance_id);
        return false;
    }
    if (version_id > se->vmsd->version_id) {
        error_setg(errp, "section '%s' instance %" PRIu32 " has version %"
                   PRIu32 ", newer than this emulator's %d", name,
                   instance_id, version_id, se->vmsd->version_id);
        return false;
    }
    if (version_id < se->vmsd->minimum_version_id) {
        error_setg(errp, "section '%s' instance %" PRIu32 " has version %"
                   PRIu32 ", older than the oldest this emulator loads "
                   "(%d)", name, instance_id, version_id,
                   se->vmsd->minimum_version_id);
        return false;
    }
    start = r->pos;
    if (!vmstate_load_state(r, se->vmsd, se->opaque, version_id, errp)) {
        error_prepend(errp, "section '%s' instance %" PRIu32 ": ", name,
                      instance_id);
        return false;
    }
    if (mig_reader_left(r)) {
        error_setg(errp, "section '%s' instance %" PRIu32 " (version %"
                   PRIu32 ") has %zu bytes of state, but its description "
                   "reads %zu", name, instance_id, version_id,
                   r->size - start, r->pos - start);
        return false;
    }
    se->loaded = true;
    return true;
}

bool qemu_loadvm_state_end(uint32_t count, Error **errp)
{
    SaveStateEntry *se;
    uint32_t n = 0;

    QTAILQ_FOREACH(se, &savevm_state, next) {
        if (!se->loaded) {
            error_setg(errp, "the stream has no section '%s' instance %"
                       PRIu32 " (this machine has that device)",
                       se->vmsd->name, se->instance_id);
            return false;
        }
        n++;
    }
    if (n != count) {
        error_setg(errp, "the stream's end record counts %" PRIu32 " device "
                   "sections, %" PRIu32 " were loaded", count, n);
        return false;
    }
    return true;
}
