/*
 * Saving and loading state by its description (include/migration/
 * vmstate.h).
 *
 * The loader trusts nothing it reads: each value is decoded from the
 * bounded reader, checked against its field's bound, and only then
 * stored; an array's length comes from this machine, and the stream's
 * must agree.  So a corrupted or foreign section can leave a device
 * partly loaded (the destination then refuses to run it), but never
 * store an out-of-bounds value or write outside the device's state.
 */
#include "qemu/osdep.h"
#include "migration/qemu-file.h"
#include "migration/vmstate.h"

/* Where field f's data starts in opaque (following VMS_POINTER). */
static void *field_base(const VMStateField *f, void *opaque)
{
    void *p = (uint8_t *)opaque + f->offset;

    if (f->flags & VMS_POINTER) {
        p = *(void **)p;
    }
    return p;
}

static uint32_t field_count(const VMStateField *f, const void *opaque)
{
    if (f->flags & VMS_VARRAY) {
        return f->num_fn(opaque);
    }
    return f->flags & VMS_ARRAY ? f->num : 1;
}

static bool field_present(const VMStateField *f, int version_id)
{
    return f->version_id <= version_id;
}

static uint64_t load_uint(const void *p, unsigned size)
{
    switch (size) {
    case 1:
        return *(const uint8_t *)p;
    case 2:
        return *(const uint16_t *)p;
    case 4:
        return *(const uint32_t *)p;
    case 8:
        return *(const uint64_t *)p;
    default:
        g_assert_not_reached();
    }
}

static void store_uint(void *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1:
        *(uint8_t *)p = v;
        break;
    case 2:
        *(uint16_t *)p = v;
        break;
    case 4:
        *(uint32_t *)p = v;
        break;
    case 8:
        *(uint64_t *)p = v;
        break;
    default:
        g_assert_not_reached();
    }
}

/* Sign-extend the size-byte value v. */
static int64_t sext(uint64_t v, unsigned size)
{
    unsigned shift = 64 - 8 * size;

    return (int64_t)(v << shift) >> shift;
}

/* ------------------------------------------------------------------ */
/* Saving */

static void save_element(GByteArray *buf, const VMStateField *f, void *p)
{
    switch (f->kind) {
    case VMS_KIND_BOOL:
        mig_put_u8(buf, *(bool *)p);
        break;
    case VMS_KIND_UINT:
    case VMS_KIND_INT: {
        uint64_t v = load_uint(p, f->size);

        for (unsigned i = 0; i < f->size; i++) {
            mig_put_u8(buf, v >> (8 * i));
        }
        break;
    }
    case VMS_KIND_BUFFER:
        g_byte_array_append(buf, p, f->size);
        break;
    case VMS_KIND_STRUCT:
        vmstate_save_state(buf, f->vmsd, p);
        break;
    }
}

void vmstate_save_state(GByteArray *buf, const VMStateDescription *vmsd,
                        void *opaque)
{
    if (vmsd->pre_save) {
        vmsd->pre_save(opaque);
    }
    for (const VMStateField *f = vmsd->fields; f->name; f++) {
        uint32_t n = field_count(f, opaque);
        uint8_t *base = field_base(f, opaque);

        if (!field_present(f, vmsd->version_id)) {
            continue;
        }
        if (f->flags & VMS_VARRAY) {
            mig_put_le32(buf, n);
        }
        for (uint32_t i = 0; i < n; i++) {
            save_element(buf, f, base + (size_t)i * f->size);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Loading */

/*
 * The name of element i of field f for messages: prefix (the path of the
 * enclosing struct, "pair[1]." or "") then "name" or "name[i]".
 */
static char *element_name(const char *prefix, const VMStateField *f,
                          uint32_t i)
{
    if (!(f->flags & (VMS_ARRAY | VMS_VARRAY))) {
        return g_strdup_printf("%s%s", prefix, f->name);
    }
    return g_strdup_printf("%s%s[%" PRIu32 "]", prefix, f->name, i);
}

/* Is v (already decoded) within f's bound?  cur: this machine's value. */
static bool value_in_bound(const VMStateField *f, uint64_t v, uint64_t cur,
                           char **why)
{
    bool is_signed = f->kind == VMS_KIND_INT;

    switch (f->bound) {
    case VMS_BOUND_TYPE:
        return true;
    case VMS_BOUND_RANGE:
        if (is_signed ? (sext(v, f->size) >= (int64_t)f->min &&
                         sext(v, f->size) <= (int64_t)f->max)
                      : (v >= f->min && v <= f->max)) {
            return true;
        }
        *why = is_signed
            ? g_strdup_printf("%" PRId64 " is outside [%" PRId64 ", %"
                              PRId64 "]", sext(v, f->size),
                              (int64_t)f->min, (int64_t)f->max)
            : g_strdup_printf("%" PRIu64 " is outside [%" PRIu64 ", %"
                              PRIu64 "]", v, f->min, f->max);
        return false;
    case VMS_BOUND_MASK:
        if (!(v & ~f->max)) {
            return true;
        }
        *why = g_strdup_printf("0x%" PRIx64 " has bits outside the mask "
                               "0x%" PRIx64, v, f->max);
        return false;
    case VMS_BOUND_EQUAL:
        if (v == cur) {
            return true;
        }
        *why = g_strdup_printf("%" PRIu64 " in the stream, %" PRIu64
                               " on this machine", v, cur);
        return false;
    }
    g_assert_not_reached();
}

static bool load_fields(MigReader *r, const VMStateDescription *vmsd,
                        void *opaque, int version_id, const char *top,
                        const char *prefix, Error **errp);

/*
 * Load element i of field f into p.  top is the section's description,
 * prefix the path of the enclosing struct (for messages).
 */
static bool load_element(MigReader *r, const char *top, const char *prefix,
                         const VMStateField *f, void *p, uint32_t i,
                         Error **errp)
{
    g_autofree char *why = NULL;
    g_autofree char *name = element_name(prefix, f, i);
    uint64_t v = 0;
    uint8_t byte;

    switch (f->kind) {
    case VMS_KIND_STRUCT: {
        g_autofree char *inner = g_strdup_printf("%s.", name);

        /* Nested descriptions are versioned with the section. */
        return load_fields(r, f->vmsd, p, f->vmsd->version_id, top, inner,
                           errp);
    }
    case VMS_KIND_BUFFER: {
        const uint8_t *src = mig_get_bytes(r, f->size);

        if (!src) {
            goto short_read;
        }
        memcpy(p, src, f->size);
        return true;
    }
    case VMS_KIND_BOOL:
        if (!mig_get_u8(r, &byte)) {
            goto short_read;
        }
        if (byte > 1) {
            why = g_strdup_printf("%u is not a boolean", byte);
            goto out_of_bound;
        }
        if (f->bound == VMS_BOUND_EQUAL && byte != *(bool *)p) {
            why = g_strdup_printf("%s in the stream, %s on this machine",
                                  byte ? "true" : "false",
                                  *(bool *)p ? "true" : "false");
            goto out_of_bound;
        }
        *(bool *)p = byte;
        return true;
    case VMS_KIND_UINT:
    case VMS_KIND_INT:
        for (unsigned b = 0; b < f->size; b++) {
            if (!mig_get_u8(r, &byte)) {
                goto short_read;
            }
            v |= (uint64_t)byte << (8 * b);
        }
        if (!value_in_bound(f, v, load_uint(p, f->size), &why)) {
            goto out_of_bound;
        }
        store_uint(p, f->size, v);
        return true;
    }
    g_assert_not_reached();

short_read:
    error_setg(errp, "%s: the section ends before field %s", top, name);
    return false;
out_of_bound:
    error_setg(errp, "%s: field %s = %s", top, name, why);
    return false;
}

static bool load_fields(MigReader *r, const VMStateDescription *vmsd,
                        void *opaque, int version_id, const char *top,
                        const char *prefix, Error **errp)
{
    for (const VMStateField *f = vmsd->fields; f->name; f++) {
        uint32_t n = field_count(f, opaque);
        uint8_t *base = field_base(f, opaque);

        if (!field_present(f, version_id)) {
            continue;
        }
        if (f->flags & VMS_VARRAY) {
            uint32_t stream_n;

            if (!mig_get_le32(r, &stream_n)) {
                error_setg(errp, "%s: the section ends before field %s%s",
                           top, prefix, f->name);
                return false;
            }
            if (stream_n != n) {
                error_setg(errp, "%s: field %s%s has %" PRIu32 " elements "
                           "in the stream, %" PRIu32 " on this machine",
                           top, prefix, f->name, stream_n, n);
                return false;
            }
        }
        for (uint32_t i = 0; i < n; i++) {
            if (!load_element(r, top, prefix, f, base + (size_t)i * f->size,
                              i, errp)) {
                return false;
            }
        }
    }
    if (vmsd->post_load) {
        Error *err = NULL;

        if (!vmsd->post_load(opaque, version_id, &err)) {
            /* "top: " or, in a nested struct, "top: path: " */
            if (*prefix) {
                error_prepend(&err, "%s: %.*s: ", top,
                              (int)strlen(prefix) - 1, prefix);
            } else {
                error_prepend(&err, "%s: ", top);
            }
            error_propagate(errp, err);
            return false;
        }
    }
    return true;
}

bool vmstate_load_state(MigReader *r, const VMStateDescription *vmsd,
                        void *opaque, int version_id, Error **errp)
{
    return load_fields(r, vmsd, opaque, version_id, vmsd->name, "", errp);
}
