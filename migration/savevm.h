/*
 * Private to migration/: the registered device sections, saved as
 * MIG_REC_DEVICE records and loaded back (migration/savevm.c).
 *
 * A device record's payload is
 *   str name | u32 instance_id | u32 version_id | the section's fields
 * and the loader checks that the fields use up the payload exactly.
 * Everything here runs with the BQL held and the vCPUs paused.
 */
#ifndef MIGRATION_SAVEVM_H
#define MIGRATION_SAVEVM_H

#include "migration/qemu-file.h"
#include "migration/vmstate.h"

/* Write a MIG_REC_DEVICE record for each registered section, in order.
 * Returns how many. */
unsigned qemu_savevm_state_devices(QEMUFile *f);

/* The payload of one section's record (for tests: by name). */
void qemu_savevm_section(GByteArray *buf, const VMStateDescription *vmsd,
                         uint32_t instance_id, void *opaque);
bool qemu_savevm_section_by_name(GByteArray *buf, const char *name,
                                 uint32_t instance_id);

/* Before loading: no section has been seen. */
void qemu_loadvm_state_begin(void);
/* Load one MIG_REC_DEVICE payload into the device it names. */
bool qemu_loadvm_section(MigReader *r, Error **errp);
/* After the last record: every registered section was in the stream;
 * count is how many the source said it sent. */
bool qemu_loadvm_state_end(uint32_t count, Error **errp);

#endif /* MIGRATION_SAVEVM_H */
