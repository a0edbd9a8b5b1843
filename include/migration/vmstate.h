/*
 * Device and vCPU state for migration and snapshots: declarative,
 * versioned descriptions (QEMU's VMState, our own implementation).
 *
 * A device describes its migratable state once, as a table of typed
 * fields, and registers the table with the instance it describes:
 *
 *   static const VMStateDescription vmstate_serial = {
 *       .name = "serial",
 *       .version_id = 1,
 *       .minimum_version_id = 1,
 *       .post_load = serial_post_load,
 *       .fields = (const VMStateField[]) {
 *           VMSTATE_UINT8(lcr, SerialState),
 *           VMSTATE_UINT32_MAX(recv_fifo_count, SerialState, 16),
 *           VMSTATE_UINT8_ARRAY(recv_fifo, SerialState, 16),
 *           VMSTATE_END_OF_LIST()
 *       },
 *   };
 *   vmstate_register(&vmstate_serial, 0, s);
 *
 * Every field has a type, checked against the C field at compile time,
 * and a bound that the loader enforces before anything reads the value:
 * the whole range of its type, a maximum (_MAX), a mask of the bits that
 * may be set (_MASK), or "must equal this machine's value" (_EQUAL, for
 * configuration such as a hart's ID or the number of sources).  Arrays
 * have a fixed length (_ARRAY) or a length that this machine's
 * configuration gives (_VARRAY, checked against the stream's).  What a
 * table cannot say (one field bounded by another, a state the device
 * cannot be in) post_load checks, before it acts on the state.
 *
 * On the wire a section is its fields in table order, little-endian, with
 * no padding: bool 1 byte (0 or 1), integers their own size, buffers
 * their bytes, a _VARRAY a 32-bit element count and then the elements,
 * a nested struct its own fields.  A field with version_id N is present
 * only in sections of version N or later.  The loader refuses a section
 * whose version is outside [minimum_version_id, version_id], and one
 * whose length differs from what its description reads, naming the
 * section; docs/devel/migration.rst has the whole stream.
 *
 * Threads: descriptions are constant; the registry and the state they
 * describe are used with the BQL held and the vCPUs paused.
 */
#ifndef MIGRATION_VMSTATE_H
#define MIGRATION_VMSTATE_H

#include "qapi/error.h"

typedef enum VMStateKind {
    VMS_KIND_BOOL,
    VMS_KIND_UINT,          /* unsigned integer of 1, 2, 4 or 8 bytes */
    VMS_KIND_INT,           /* signed integer of 1, 2, 4 or 8 bytes */
    VMS_KIND_BUFFER,        /* size opaque bytes */
    VMS_KIND_STRUCT,        /* a nested description, vmsd */
} VMStateKind;

/* How a field's value is bounded (VMS_KIND_UINT and VMS_KIND_INT). */
typedef enum VMStateBound {
    VMS_BOUND_TYPE,         /* any value of the type */
    VMS_BOUND_RANGE,        /* min <= value <= max (signed for INT) */
    VMS_BOUND_MASK,         /* (value & ~max) == 0 */
    VMS_BOUND_EQUAL,        /* the value this machine already has */
} VMStateBound;

/* Field flags. */
#define VMS_ARRAY       (1u << 0)   /* num elements in place */
#define VMS_VARRAY      (1u << 1)   /* num_fn(opaque) elements */
#define VMS_POINTER     (1u << 2)   /* the C field points to the data */

typedef struct VMStateDescription VMStateDescription;

typedef struct VMStateField {
    const char *name;
    size_t offset;
    VMStateKind kind;
    unsigned size;              /* bytes of one element */
    unsigned flags;
    uint32_t num;               /* VMS_ARRAY: elements */
    /* VMS_VARRAY: elements, from this machine's configuration. */
    uint32_t (*num_fn)(const void *opaque);
    VMStateBound bound;
    uint64_t min, max;          /* VMS_BOUND_RANGE (int64_t for INT), MASK */
    int version_id;             /* the first section version with it */
    const VMStateDescription *vmsd;     /* VMS_KIND_STRUCT */
} VMStateField;

struct VMStateDescription {
    const char *name;
    int version_id;
    int minimum_version_id;
    /* Before the fields are saved; BQL held, vCPUs paused.  Optional. */
    void (*pre_save)(void *opaque);
    /*
     * After every field of version_id has been loaded and bounded: check
     * what the table cannot, then put the device back in motion (re-arm
     * timers...).  false with *errp refuses the section.  Optional.
     */
    bool (*post_load)(void *opaque, int version_id, Error **errp);
    const VMStateField *fields;     /* ended by VMSTATE_END_OF_LIST() */
};

/* ------------------------------------------------------------------ */
/* Field macros.  _state is the C type the description is for. */

#define vmstate_typeof_field(_state, _field) typeof(((_state *)0)->_field)

/* 0, or a compile error if _field is not of type _type. */
#define vmstate_type_check(_state, _field, _type)                         \
    (0 * sizeof(char[1 - 2 * !__builtin_types_compatible_p(                \
        _type, vmstate_typeof_field(_state, _field))]))

#define vmstate_offset(_state, _field, _type)                             \
    (offsetof(_state, _field) + vmstate_type_check(_state, _field, _type))

/* An element of array _field, of type _type. */
#define vmstate_offset_array(_state, _field, _type, _num)                 \
    (offsetof(_state, _field) +                                           \
     vmstate_type_check(_state, _field, _type[_num]))

#define vmstate_offset_pointer(_state, _field, _type)                     \
    (offsetof(_state, _field) + vmstate_type_check(_state, _field, _type *))

#define VMSTATE_SCALAR(_field, _state, _kind, _type, _bound, _min, _max,  \
                       _v)                                                \
    {                                                                     \
        .name = #_field,                                                  \
        .offset = vmstate_offset(_state, _field, _type),                  \
        .kind = _kind,                                                    \
        .size = sizeof(_type),                                            \
        .bound = _bound,                                                  \
        .min = _min,                                                      \
        .max = _max,                                                      \
        .version_id = _v,                                                 \
    }

#define VMSTATE_BOOL_V(_f, _s, _v)                                        \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_BOOL, bool, VMS_BOUND_TYPE, 0, 1, _v)
#define VMSTATE_BOOL(_f, _s)            VMSTATE_BOOL_V(_f, _s, 0)

#define VMSTATE_UINT_V(_f, _s, _type, _v)                                 \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_UINT, _type, VMS_BOUND_TYPE, 0, 0, _v)
#define VMSTATE_UINT8(_f, _s)           VMSTATE_UINT_V(_f, _s, uint8_t, 0)
#define VMSTATE_UINT16(_f, _s)          VMSTATE_UINT_V(_f, _s, uint16_t, 0)
#define VMSTATE_UINT32(_f, _s)          VMSTATE_UINT_V(_f, _s, uint32_t, 0)
#define VMSTATE_UINT64(_f, _s)          VMSTATE_UINT_V(_f, _s, uint64_t, 0)
#define VMSTATE_UINT32_V(_f, _s, _v)    VMSTATE_UINT_V(_f, _s, uint32_t, _v)
#define VMSTATE_UINT64_V(_f, _s, _v)    VMSTATE_UINT_V(_f, _s, uint64_t, _v)

#define VMSTATE_INT32(_f, _s)                                             \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_INT, int32_t, VMS_BOUND_TYPE, 0, 0, 0)
#define VMSTATE_INT64(_f, _s)                                             \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_INT, int64_t, VMS_BOUND_TYPE, 0, 0, 0)

/* 0 <= value <= _max */
#define VMSTATE_UINT_MAX(_f, _s, _type, _max)                             \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_UINT, _type, VMS_BOUND_RANGE, 0,      \
                   _max, 0)
#define VMSTATE_UINT8_MAX(_f, _s, _m)   VMSTATE_UINT_MAX(_f, _s, uint8_t, _m)
#define VMSTATE_UINT16_MAX(_f, _s, _m)  VMSTATE_UINT_MAX(_f, _s, uint16_t, _m)
#define VMSTATE_UINT32_MAX(_f, _s, _m)  VMSTATE_UINT_MAX(_f, _s, uint32_t, _m)
#define VMSTATE_UINT64_MAX(_f, _s, _m)  VMSTATE_UINT_MAX(_f, _s, uint64_t, _m)
/* _min <= value <= _max */
#define VMSTATE_INT32_RANGE(_f, _s, _min, _max)                           \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_INT, int32_t, VMS_BOUND_RANGE,        \
                   (uint64_t)(int64_t)(_min), (uint64_t)(int64_t)(_max), 0)

/* Only the bits of _mask may be set. */
#define VMSTATE_UINT_MASK(_f, _s, _type, _mask)                           \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_UINT, _type, VMS_BOUND_MASK, 0,       \
                   _mask, 0)
#define VMSTATE_UINT8_MASK(_f, _s, _m)  VMSTATE_UINT_MASK(_f, _s, uint8_t, _m)
#define VMSTATE_UINT32_MASK(_f, _s, _m) VMSTATE_UINT_MASK(_f, _s, uint32_t, _m)
#define VMSTATE_UINT64_MASK(_f, _s, _m) VMSTATE_UINT_MASK(_f, _s, uint64_t, _m)

/* Configuration: the stream must carry this machine's own value. */
#define VMSTATE_UINT_EQUAL(_f, _s, _type)                                 \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_UINT, _type, VMS_BOUND_EQUAL, 0, 0, 0)
#define VMSTATE_BOOL_EQUAL(_f, _s)                                        \
    VMSTATE_SCALAR(_f, _s, VMS_KIND_BOOL, bool, VMS_BOUND_EQUAL, 0, 1, 0)
#define VMSTATE_UINT16_EQUAL(_f, _s)    VMSTATE_UINT_EQUAL(_f, _s, uint16_t)
#define VMSTATE_UINT32_EQUAL(_f, _s)    VMSTATE_UINT_EQUAL(_f, _s, uint32_t)
#define VMSTATE_UINT64_EQUAL(_f, _s)    VMSTATE_UINT_EQUAL(_f, _s, uint64_t)

/* Fixed arrays of _n elements, each bounded like the scalar forms. */
#define VMSTATE_ARRAY(_f, _s, _n, _kind, _type, _bound, _max)             \
    {                                                                     \
        .name = #_f,                                                      \
        .offset = vmstate_offset_array(_s, _f, _type, _n),                \
        .kind = _kind,                                                    \
        .size = sizeof(_type),                                            \
        .flags = VMS_ARRAY,                                               \
        .num = _n,                                                        \
        .bound = _bound,                                                  \
        .max = _max,                                                      \
    }
#define VMSTATE_UINT8_ARRAY(_f, _s, _n)                                   \
    VMSTATE_ARRAY(_f, _s, _n, VMS_KIND_UINT, uint8_t, VMS_BOUND_TYPE, 0)
#define VMSTATE_UINT32_ARRAY(_f, _s, _n)                                  \
    VMSTATE_ARRAY(_f, _s, _n, VMS_KIND_UINT, uint32_t, VMS_BOUND_TYPE, 0)
#define VMSTATE_UINT64_ARRAY(_f, _s, _n)                                  \
    VMSTATE_ARRAY(_f, _s, _n, VMS_KIND_UINT, uint64_t, VMS_BOUND_TYPE, 0)
#define VMSTATE_UINT8_ARRAY_MASK(_f, _s, _n, _m)                          \
    VMSTATE_ARRAY(_f, _s, _n, VMS_KIND_UINT, uint8_t, VMS_BOUND_MASK, _m)
#define VMSTATE_UINT64_ARRAY_MASK(_f, _s, _n, _m)                         \
    VMSTATE_ARRAY(_f, _s, _n, VMS_KIND_UINT, uint64_t, VMS_BOUND_MASK, _m)

/* _n bytes, stored as they are. */
#define VMSTATE_BUFFER(_f, _s)                                            \
    {                                                                     \
        .name = #_f,                                                      \
        .offset = offsetof(_s, _f),                                       \
        .kind = VMS_KIND_BUFFER,                                          \
        .size = sizeof(((_s *)0)->_f),                                    \
    }

/* A nested struct _f of type _type, described by _vmsd. */
#define VMSTATE_STRUCT_V(_f, _s, _v, _vmsd, _type)                        \
    {                                                                     \
        .name = #_f,                                                      \
        .offset = vmstate_offset(_s, _f, _type),                          \
        .kind = VMS_KIND_STRUCT,                                          \
        .size = sizeof(_type),                                            \
        .vmsd = &(_vmsd),                                                 \
        .version_id = _v,                                                 \
    }
#define VMSTATE_STRUCT(_f, _s, _vmsd, _type)                              \
    VMSTATE_STRUCT_V(_f, _s, 0, _vmsd, _type)

/* An array of _n structs of type _type in place. */
#define VMSTATE_STRUCT_ARRAY(_f, _s, _n, _vmsd, _type)                    \
    {                                                                     \
        .name = #_f,                                                      \
        .offset = vmstate_offset_array(_s, _f, _type, _n),                \
        .kind = VMS_KIND_STRUCT,                                          \
        .size = sizeof(_type),                                            \
        .flags = VMS_ARRAY,                                               \
        .num = _n,                                                        \
        .vmsd = &(_vmsd),                                                 \
    }

/* _f points to _n structs of type _type. */
#define VMSTATE_STRUCT_ARRAY_POINTER(_f, _s, _n, _vmsd, _type)            \
    {                                                                     \
        .name = #_f,                                                      \
        .offset = vmstate_offset_pointer(_s, _f, _type),                  \
        .kind = VMS_KIND_STRUCT,                                          \
        .size = sizeof(_type),                                            \
        .flags = VMS_ARRAY | VMS_POINTER,                                 \
        .num = _n,                                                        \
        .vmsd = &(_vmsd),                                                 \
    }

/* _f points to _num_fn(opaque) structs of type _type. */
#define VMSTATE_STRUCT_VARRAY(_f, _s, _num_fn, _vmsd, _type)              \
    {                                                                     \
        .name = #_f,                                                      \
        .offset = vmstate_offset_pointer(_s, _f, _type),                  \
        .kind = VMS_KIND_STRUCT,                                          \
        .size = sizeof(_type),                                            \
        .flags = VMS_VARRAY | VMS_POINTER,                                \
        .num_fn = _num_fn,                                                \
        .vmsd = &(_vmsd),                                                 \
    }

/* _f points to _num_fn(opaque) integers of type _type, bounded. */
#define VMSTATE_VARRAY(_f, _s, _num_fn, _type, _bound, _max)              \
    {                                                                     \
        .name = #_f,                                                      \
        .offset = vmstate_offset_pointer(_s, _f, _type),                  \
        .kind = VMS_KIND_UINT,                                            \
        .size = sizeof(_type),                                            \
        .flags = VMS_VARRAY | VMS_POINTER,                                \
        .num_fn = _num_fn,                                                \
        .bound = _bound,                                                  \
        .max = _max,                                                      \
    }
#define VMSTATE_UINT32_VARRAY(_f, _s, _num_fn)                            \
    VMSTATE_VARRAY(_f, _s, _num_fn, uint32_t, VMS_BOUND_TYPE, 0)
#define VMSTATE_UINT32_VARRAY_MAX(_f, _s, _num_fn, _max)                  \
    VMSTATE_VARRAY(_f, _s, _num_fn, uint32_t, VMS_BOUND_RANGE, _max)

#define VMSTATE_END_OF_LIST()   { .name = NULL }

/* ------------------------------------------------------------------ */
/* Saving and loading one description */

typedef struct MigReader MigReader;

/* Append opaque's state as vmsd describes it to buf. */
void vmstate_save_state(GByteArray *buf, const VMStateDescription *vmsd,
                        void *opaque);

/*
 * Load opaque's state, saved as version version_id of vmsd, from r;
 * runs post_load.  false with *errp naming the field (and leaving
 * opaque partly loaded) if the data runs out, a value is out of bounds
 * or post_load refuses it.
 */
bool vmstate_load_state(MigReader *r, const VMStateDescription *vmsd,
                        void *opaque, int version_id, Error **errp);

/* ------------------------------------------------------------------ */
/* The registry of sections (migration/savevm.c).  BQL held. */

/*
 * opaque's state, described by vmsd, is section (vmsd->name,
 * instance_id) of every migration and snapshot from now on.  Sections
 * are saved in registration order.  A (name, instance) pair is
 * registered once.
 */
void vmstate_register(const VMStateDescription *vmsd, uint32_t instance_id,
                      void *opaque);
void vmstate_unregister(const VMStateDescription *vmsd, void *opaque);

/*
 * mr's RAM is part of the machine's state: migration carries it.  The
 * board registers its RAM and ROM; migration refuses to start while a
 * RAM block that was not registered (hot-pluggable memory) exists.
 */
typedef struct MemoryRegion MemoryRegion;
void vmstate_register_ram(MemoryRegion *mr);
bool vmstate_ram_is_migratable(const MemoryRegion *mr);

#endif /* MIGRATION_VMSTATE_H */
