/*
 * Helpers for the device state tests: save a registered section, load it
 * back, and check what the loader refuses (migration/savevm.h).
 */
#ifndef TESTS_UNIT_VMSTATE_TEST_H
#define TESTS_UNIT_VMSTATE_TEST_H

#include "migration/savevm.h"

/* The section (name, instance) as the device is now. */
static inline GByteArray *vmt_save(const char *name, uint32_t instance_id)
{
    GByteArray *buf = g_byte_array_new();

    g_assert_true(qemu_savevm_section_by_name(buf, name, instance_id));
    return buf;
}

/* Load a saved section into the device it names. */
static inline bool vmt_load(GByteArray *buf, Error **errp)
{
    MigReader r;

    qemu_loadvm_state_begin();
    mig_reader_init(&r, buf->data, buf->len);
    return qemu_loadvm_section(&r, errp);
}

/* Loading buf must fail with msg in the message. */
static inline void vmt_assert_refused(GByteArray *buf, const char *msg)
{
    Error *err = NULL;

    g_assert_false(vmt_load(buf, &err));
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), msg)) {
        g_error("expected '%s' in: %s", msg, error_get_pretty(err));
    }
    error_free(err);
}

/*
 * Save the section, put the device back in its power-on state with
 * reset(opaque), load the section, and check that the device saves the
 * very same bytes again.  Returns the saved state.
 */
static inline GByteArray *vmt_round_trip(const char *name,
                                         uint32_t instance_id,
                                         void (*reset)(void *opaque),
                                         void *opaque)
{
    GByteArray *before = vmt_save(name, instance_id);
    g_autoptr(GByteArray) after = NULL;
    g_autoptr(GByteArray) fresh = NULL;

    reset(opaque);
    fresh = vmt_save(name, instance_id);
    /* A round trip through the power-on state must change something. */
    g_assert_false(fresh->len == before->len &&
                   !memcmp(fresh->data, before->data, before->len));
    g_assert_true(vmt_load(before, &error_abort));
    after = vmt_save(name, instance_id);
    g_assert_cmpmem(after->data, after->len, before->data, before->len);
    return before;
}

#endif /* TESTS_UNIT_VMSTATE_TEST_H */
