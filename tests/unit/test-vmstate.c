/*
 * VMState descriptions, device sections and the record stream
 * (migration/vmstate.c, savevm.c, qemu-file.c).
 */
#include "qemu/osdep.h"
#include "migration/qemu-file.h"
#include "migration/vmstate.h"
#include "migration/savevm.h"
#include "qemu/timer.h"
#include "sysemu/cpus.h"
#include <sys/socket.h>

/* ------------------------------------------------------------------ */
/* A state with one of every kind of field */

typedef struct Inner {
    uint16_t a;
    bool b;
} Inner;

static const VMStateDescription vmstate_inner = {
    .name = "inner",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16_MAX(a, Inner, 1000),
        VMSTATE_BOOL(b, Inner),
        VMSTATE_END_OF_LIST()
    },
};

typedef struct Thing {
    bool flag;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    uint32_t level;             /* bounded: 0..7 */
    uint64_t bits;              /* mask 0xf0f0 */
    uint32_t id;                /* configuration: must match */
    uint8_t fifo[5];
    uint64_t regs[3];
    char serial[7];
    Inner inner;
    Inner pair[2];
    uint32_t nprio;             /* configuration: length of prio */
    uint32_t *prio;             /* bounded: 0..7 */
    Inner *many;                /* nprio elements */
    uint32_t added_in_v2;
} Thing;

static uint32_t thing_nprio(const void *opaque)
{
    return ((const Thing *)opaque)->nprio;
}

static bool thing_post_load(void *opaque, int version_id, Error **errp)
{
    Thing *t = opaque;

    if (t->u8 == 0xee) {
        error_setg(errp, "u8 may not be 0xee");
        return false;
    }
    t->i32 += 0;    /* nothing to re-derive */
    return true;
}

static const VMStateDescription vmstate_thing = {
    .name = "thing",
    .version_id = 2,
    .minimum_version_id = 1,
    .post_load = thing_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(flag, Thing),
        VMSTATE_UINT8(u8, Thing),
        VMSTATE_UINT16(u16, Thing),
        VMSTATE_UINT32(u32, Thing),
        VMSTATE_UINT64(u64, Thing),
        VMSTATE_INT32(i32, Thing),
        VMSTATE_INT64(i64, Thing),
        VMSTATE_UINT32_MAX(level, Thing, 7),
        VMSTATE_UINT64_MASK(bits, Thing, 0xf0f0),
        VMSTATE_UINT32_EQUAL(id, Thing),
        VMSTATE_UINT8_ARRAY(fifo, Thing, 5),
        VMSTATE_UINT64_ARRAY(regs, Thing, 3),
        VMSTATE_BUFFER(serial, Thing),
        VMSTATE_STRUCT(inner, Thing, vmstate_inner, Inner),
        VMSTATE_STRUCT_ARRAY(pair, Thing, 2, vmstate_inner, Inner),
        VMSTATE_UINT32_VARRAY_MAX(prio, Thing, thing_nprio, 7),
        VMSTATE_STRUCT_VARRAY(many, Thing, thing_nprio, vmstate_inner, Inner),
        VMSTATE_UINT32_V(added_in_v2, Thing, 2),
        VMSTATE_END_OF_LIST()
    },
};

/* Bytes a saved Thing with nprio 3 takes. */
#define THING_SIZE (1 + 1 + 2 + 4 + 8 + 4 + 8 + 4 + 8 + 4 + 5 + 24 + 7 + \
                    3 + 6 + 4 + 12 + 4 + 9 + 4)

static void thing_init_config(Thing *t, uint32_t nprio)
{
    memset(t, 0, sizeof(*t));
    t->id = 42;
    t->nprio = nprio;
    t->prio = g_new0(uint32_t, nprio);
    t->many = g_new0(Inner, nprio);
}

static void thing_free(Thing *t)
{
    g_free(t->prio);
    g_free(t->many);
}

static void thing_fill(Thing *t)
{
    thing_init_config(t, 3);
    t->flag = true;
    t->u8 = 0xab;
    t->u16 = 0xbeef;
    t->u32 = 0xdeadbeef;
    t->u64 = 0x0123456789abcdefull;
    t->i32 = -5;
    t->i64 = INT64_MIN + 3;
    t->level = 7;
    t->bits = 0xf010;
    memcpy(t->fifo, "\x01\x02\x03\x04\x05", 5);
    t->regs[0] = 1;
    t->regs[2] = UINT64_MAX;
    memcpy(t->serial, "abcdefg", 7);
    t->inner = (Inner){ 1000, true };
    t->pair[1] = (Inner){ 7, true };
    for (int i = 0; i < 3; i++) {
        t->prio[i] = i * 3;
        t->many[i] = (Inner){ 10 * i, i & 1 };
    }
    t->added_in_v2 = 77;
}

static void assert_things_equal(const Thing *a, const Thing *b)
{
    g_assert(a->flag == b->flag);
    g_assert_cmpuint(a->u8, ==, b->u8);
    g_assert_cmpuint(a->u16, ==, b->u16);
    g_assert_cmpuint(a->u32, ==, b->u32);
    g_assert_cmpuint(a->u64, ==, b->u64);
    g_assert_cmpint(a->i32, ==, b->i32);
    g_assert_cmpint(a->i64, ==, b->i64);
    g_assert_cmpuint(a->level, ==, b->level);
    g_assert_cmpuint(a->bits, ==, b->bits);
    g_assert_cmpuint(a->id, ==, b->id);
    g_assert_cmpmem(a->fifo, 5, b->fifo, 5);
    g_assert_cmpmem(a->regs, sizeof(a->regs), b->regs, sizeof(b->regs));
    g_assert_cmpmem(a->serial, 7, b->serial, 7);
    g_assert_cmpmem(&a->inner, sizeof(Inner), &b->inner, sizeof(Inner));
    g_assert_cmpmem(a->pair, sizeof(a->pair), b->pair, sizeof(b->pair));
    g_assert_cmpuint(a->nprio, ==, b->nprio);
    g_assert_cmpmem(a->prio, a->nprio * 4, b->prio, b->nprio * 4);
    g_assert_cmpmem(a->many, a->nprio * sizeof(Inner), b->many,
                    b->nprio * sizeof(Inner));
    g_assert_cmpuint(a->added_in_v2, ==, b->added_in_v2);
}

static GByteArray *save_thing(Thing *t)
{
    GByteArray *buf = g_byte_array_new();

    vmstate_save_state(buf, &vmstate_thing, t);
    return buf;
}

static bool load_thing(GByteArray *buf, Thing *t, int version, Error **errp)
{
    MigReader r;
    bool ok;

    mig_reader_init(&r, buf->data, buf->len);
    ok = vmstate_load_state(&r, &vmstate_thing, t, version, errp);
    if (ok) {
        g_assert_cmpuint(mig_reader_left(&r), ==, 0);
    }
    return ok;
}

static void test_round_trip(void)
{
    Thing a, b;
    g_autoptr(GByteArray) buf = NULL;

    thing_fill(&a);
    buf = save_thing(&a);
    g_assert_cmpuint(buf->len, ==, THING_SIZE);
    thing_init_config(&b, 3);
    g_assert_true(load_thing(buf, &b, 2, &error_abort));
    assert_things_equal(&a, &b);
    /* Little-endian on the wire, whatever the host: u16 follows u8. */
    g_assert_cmpuint(buf->data[2], ==, 0xef);
    g_assert_cmpuint(buf->data[3], ==, 0xbe);
    thing_free(&a);
    thing_free(&b);
}

/* A version 1 section has no added_in_v2: the field keeps its value. */
static void test_old_version(void)
{
    Thing a, b;
    g_autoptr(GByteArray) buf = NULL;
    MigReader r;

    thing_fill(&a);
    buf = save_thing(&a);
    /* Drop the v2 field: what a version 1 emulator would have sent. */
    g_byte_array_set_size(buf, buf->len - 4);
    thing_init_config(&b, 3);
    b.added_in_v2 = 5;
    mig_reader_init(&r, buf->data, buf->len);
    g_assert_true(vmstate_load_state(&r, &vmstate_thing, &b, 1,
                                     &error_abort));
    g_assert_cmpuint(mig_reader_left(&r), ==, 0);
    g_assert_cmpuint(b.added_in_v2, ==, 5);
    g_assert_cmpuint(b.u64, ==, a.u64);
    thing_free(&a);
    thing_free(&b);
}

/* Offset of each field in a saved Thing (nprio 3). */
enum {
    OFF_FLAG = 0, OFF_U8 = 1, OFF_LEVEL = 1 + 1 + 2 + 4 + 8 + 4 + 8,
    OFF_BITS = OFF_LEVEL + 4, OFF_ID = OFF_BITS + 8,
    OFF_INNER = OFF_ID + 4 + 5 + 24 + 7,
    OFF_PRIO_COUNT = OFF_INNER + 3 + 6,
};

/* Load buf into a fresh Thing and expect msg in the error. */
static void expect_refused(GByteArray *buf, const char *msg)
{
    Thing b;
    Error *err = NULL;

    thing_init_config(&b, 3);
    g_assert_false(load_thing(buf, &b, 2, &err));
    g_assert_nonnull(err);
    if (!strstr(error_get_pretty(err), msg)) {
        g_error("expected '%s' in: %s", msg, error_get_pretty(err));
    }
    error_free(err);
    thing_free(&b);
}

static void test_bounds(void)
{
    Thing a;
    g_autoptr(GByteArray) buf = NULL;

    thing_fill(&a);
    buf = save_thing(&a);

    buf->data[OFF_FLAG] = 2;
    expect_refused(buf, "thing: field flag = 2 is not a boolean");
    buf->data[OFF_FLAG] = 1;

    buf->data[OFF_LEVEL] = 8;
    expect_refused(buf, "thing: field level = 8 is outside [0, 7]");
    buf->data[OFF_LEVEL] = 7;

    buf->data[OFF_BITS] = 0x11;
    expect_refused(buf, "field bits = 0xf011 has bits outside the mask "
                   "0xf0f0");
    buf->data[OFF_BITS] = 0x10;

    buf->data[OFF_ID] = 43;
    expect_refused(buf, "field id = 43 in the stream, 42 on this machine");
    buf->data[OFF_ID] = 42;

    /* Nested: inner.a is at most 1000. */
    buf->data[OFF_INNER] = 0xe9;
    buf->data[OFF_INNER + 1] = 0x03;
    expect_refused(buf, "thing: field inner.a = 1001 is outside [0, 1000]");
    buf->data[OFF_INNER] = 0xe8;

    /* A VARRAY of another length than this machine's. */
    buf->data[OFF_PRIO_COUNT] = 4;
    expect_refused(buf, "field prio has 4 elements in the stream, 3 on this "
                   "machine");
    buf->data[OFF_PRIO_COUNT] = 3;
    buf->data[OFF_PRIO_COUNT + 4 + 8] = 8;
    expect_refused(buf, "field prio[2] = 8 is outside [0, 7]");
    buf->data[OFF_PRIO_COUNT + 4 + 8] = 6;

    /* post_load has the last word. */
    buf->data[OFF_U8] = 0xee;
    expect_refused(buf, "thing: u8 may not be 0xee");
    buf->data[OFF_U8] = 0xab;

    /* Everything restored: it loads again. */
    {
        Thing b;

        thing_init_config(&b, 3);
        g_assert_true(load_thing(buf, &b, 2, &error_abort));
        assert_things_equal(&a, &b);
        thing_free(&b);
    }
    thing_free(&a);
}

/* Every proper prefix of a section is refused, naming a field. */
static void test_short(void)
{
    Thing a;
    g_autoptr(GByteArray) buf = NULL;

    thing_fill(&a);
    buf = save_thing(&a);
    for (guint len = 0; len < buf->len; len++) {
        g_autoptr(GByteArray) cut = g_byte_array_new();
        Thing b;
        Error *err = NULL;
        MigReader r;

        g_byte_array_append(cut, buf->data, len);
        thing_init_config(&b, 3);
        mig_reader_init(&r, cut->data, cut->len);
        g_assert_false(vmstate_load_state(&r, &vmstate_thing, &b, 2, &err));
        g_assert_nonnull(strstr(error_get_pretty(err),
                                "the section ends before field"));
        error_free(err);
        thing_free(&b);
    }
    thing_free(&a);
}

/* Random corruption: refused or loaded, never out of bounds. */
static void test_random_bytes(void)
{
    GRand *rand = g_rand_new_with_seed(1234);
    Thing a;
    g_autoptr(GByteArray) buf = NULL;
    int loaded = 0, refused = 0;

    thing_fill(&a);
    buf = save_thing(&a);
    for (int n = 0; n < (g_test_quick() ? 2000 : 50000); n++) {
        g_autoptr(GByteArray) bad = g_byte_array_new();
        Thing b;
        Error *err = NULL;
        MigReader r;

        g_byte_array_append(bad, buf->data, buf->len);
        for (int k = g_rand_int_range(rand, 1, 4); k > 0; k--) {
            bad->data[g_rand_int_range(rand, 0, bad->len)] =
                g_rand_int_range(rand, 0, 256);
        }
        thing_init_config(&b, 3);
        mig_reader_init(&r, bad->data, bad->len);
        if (vmstate_load_state(&r, &vmstate_thing, &b, 2, &err)) {
            g_assert_cmpuint(b.level, <=, 7);
            g_assert_cmpuint(b.bits & ~0xf0f0ull, ==, 0);
            g_assert_cmpuint(b.id, ==, 42);
            for (int i = 0; i < 3; i++) {
                g_assert_cmpuint(b.prio[i], <=, 7);
            }
            loaded++;
        } else {
            error_free(err);
            refused++;
        }
        thing_free(&b);
    }
    g_assert_cmpint(loaded, >, 0);
    g_assert_cmpint(refused, >, 0);
    thing_free(&a);
    g_rand_free(rand);
}

/* ------------------------------------------------------------------ */
/* Sections in the registry */

static void load_section_expect(GByteArray *buf, const char *msg)
{
    MigReader r;
    Error *err = NULL;
    bool ok;

    mig_reader_init(&r, buf->data, buf->len);
    ok = qemu_loadvm_section(&r, &err);
    if (!msg) {
        g_assert_true(ok);
        g_assert_null(err);
        return;
    }
    g_assert_false(ok);
    if (!strstr(error_get_pretty(err), msg)) {
        g_error("expected '%s' in: %s", msg, error_get_pretty(err));
    }
    error_free(err);
}

static void test_sections(void)
{
    const VMStateDescription vmstate_thing_v1 = {
        .name = "thing",
        .version_id = 1,
        .minimum_version_id = 1,
        .fields = vmstate_thing.fields,
    };
    const VMStateDescription vmstate_thing_v3 = {
        .name = "thing",
        .version_id = 3,
        .minimum_version_id = 1,
        .fields = vmstate_thing.fields,
    };
    const VMStateDescription vmstate_other = {
        .name = "other",
        .version_id = 1,
        .minimum_version_id = 1,
        .fields = vmstate_inner.fields,
    };
    const VMStateDescription vmstate_needs_v2 = {
        .name = "thing",
        .version_id = 2,
        .minimum_version_id = 2,
        .fields = vmstate_thing.fields,
    };
    Thing a, b;
    Inner in = { 9, true }, out = { 0 };
    g_autoptr(GByteArray) buf = g_byte_array_new();
    Error *err = NULL;

    thing_fill(&a);
    thing_init_config(&b, 3);
    vmstate_register(&vmstate_thing, 7, &b);
    vmstate_register(&vmstate_other, 0, &out);

    /* Both sections load; then each is known to have been loaded. */
    qemu_loadvm_state_begin();
    qemu_savevm_section(buf, &vmstate_thing, 7, &a);
    load_section_expect(buf, NULL);
    assert_things_equal(&a, &b);
    load_section_expect(buf, "section 'thing' instance 7 appears twice");
    g_assert_false(qemu_loadvm_state_end(2, &err));
    g_assert_nonnull(strstr(error_get_pretty(err),
                            "the stream has no section 'other' instance 0"));
    error_free(err);
    err = NULL;
    g_byte_array_set_size(buf, 0);
    qemu_savevm_section(buf, &vmstate_other, 0, &in);
    load_section_expect(buf, NULL);
    g_assert_cmpuint(out.a, ==, 9);
    g_assert_false(qemu_loadvm_state_end(3, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "counts 3 device"));
    error_free(err);
    g_assert_true(qemu_loadvm_state_end(2, &error_abort));

    qemu_loadvm_state_begin();
    /* Unknown name or instance. */
    g_byte_array_set_size(buf, 0);
    qemu_savevm_section(buf, &vmstate_thing, 8, &a);
    load_section_expect(buf, "section 'thing' instance 8: this machine has "
                        "no such device");
    /* A version newer than ours, and one older than we accept. */
    g_byte_array_set_size(buf, 0);
    qemu_savevm_section(buf, &vmstate_thing_v3, 7, &a);
    load_section_expect(buf, "has version 3, newer than this emulator's 2");
    vmstate_unregister(&vmstate_thing, &b);
    vmstate_register(&vmstate_needs_v2, 7, &b);
    g_byte_array_set_size(buf, 0);
    qemu_savevm_section(buf, &vmstate_thing_v1, 7, &a);
    load_section_expect(buf, "has version 1, older than the oldest this "
                        "emulator loads (2)");
    vmstate_unregister(&vmstate_needs_v2, &b);
    vmstate_register(&vmstate_thing, 7, &b);
    /* A version 1 section loads into our version 2, short by a field. */
    load_section_expect(buf, NULL);
    /* Trailing bytes: the section is bigger than its description. */
    qemu_loadvm_state_begin();
    g_byte_array_set_size(buf, 0);
    qemu_savevm_section(buf, &vmstate_thing, 7, &a);
    mig_put_le32(buf, 0);
    {
        g_autofree char *msg = g_strdup_printf(
            "section 'thing' instance 7 (version 2) has %d bytes of state, "
            "but its description reads %d", THING_SIZE + 4, THING_SIZE);

        load_section_expect(buf, msg);
    }
    vmstate_unregister(&vmstate_thing, &b);
    vmstate_unregister(&vmstate_other, &out);
    thing_free(&a);
    thing_free(&b);
}

/* ------------------------------------------------------------------ */
/* The record stream */

/* A stream written to a temporary file, then read back from it. */
typedef struct TmpStream {
    char *path;
    int fd;
} TmpStream;

static QEMUFile *tmp_output(TmpStream *t)
{
    GError *gerr = NULL;

    t->fd = g_file_open_tmp("test-vmstate-XXXXXX", &t->path, &gerr);
    g_assert_no_error(gerr);
    return qemu_file_new_output(t->fd);
}

static QEMUFile *tmp_input(TmpStream *t)
{
    int fd = open(t->path, O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    return qemu_file_new_input(fd);
}

static void tmp_rewrite(TmpStream *t, const guint8 *data, gsize len)
{
    GError *gerr = NULL;

    g_file_set_contents(t->path, (const char *)data, len, &gerr);
    g_assert_no_error(gerr);
}

static void tmp_free(TmpStream *t)
{
    unlink(t->path);
    g_free(t->path);
}

/* Payloads: small, large and compressible, large and random. */
static GByteArray *payload(int kind)
{
    GByteArray *b = g_byte_array_new();
    GRand *rand = g_rand_new_with_seed(kind);
    size_t len = kind == 0 ? 17 : 300 * 1024;

    for (size_t i = 0; i < len; i++) {
        mig_put_u8(b, kind == 1 ? (i / 64) & 0xff : g_rand_int(rand));
    }
    g_rand_free(rand);
    return b;
}

static void write_records(QEMUFile *f, int level)
{
    qemu_file_put_header(f);
    for (int kind = 0; kind < 3; kind++) {
        g_autoptr(GByteArray) p = payload(kind);

        qemu_file_put_record(f, MIG_REC_RAM_PAGES, p->data, p->len, level);
    }
    qemu_file_put_record(f, MIG_REC_END, NULL, 0, level);
}

/* Read what write_records wrote; false with *errp at the first error. */
static bool read_records(QEMUFile *f, Error **errp)
{
    MigRecordType type;
    MigReader r;

    if (!qemu_file_get_header(f, errp)) {
        return false;
    }
    for (int kind = 0; kind < 3; kind++) {
        g_autoptr(GByteArray) p = payload(kind);

        if (!qemu_file_get_record(f, &type, &r, errp)) {
            return false;
        }
        g_assert_cmpint(type, ==, MIG_REC_RAM_PAGES);
        g_assert_cmpmem(r.data, r.size, p->data, p->len);
    }
    if (!qemu_file_get_record(f, &type, &r, errp)) {
        return false;
    }
    g_assert_cmpint(type, ==, MIG_REC_END);
    g_assert_cmpuint(r.size, ==, 0);
    return true;
}

static void test_stream_round_trip(void)
{
    for (int level = -1; level <= 9; level += 5) {
        TmpStream t;
        QEMUFile *f = tmp_output(&t);
        uint64_t sent;

        write_records(f, level);
        sent = qemu_file_transferred(f);
        g_assert_cmpint(qemu_file_close(f), ==, 0);
        if (level < 0) {
            /* Header, and four records with their headers. */
            g_assert_cmpuint(sent, ==, 12 + 4 * 12 + 17 + 2 * 300 * 1024);
        } else {
            /*
             * The compressible one shrank to a fraction; the random one
             * went as it was rather than grow.
             */
            g_assert_cmpuint(sent, <, 12 + 4 * 12 + 17 + 300 * 1024 +
                                      30 * 1024);
            g_assert_cmpuint(sent, >, 300 * 1024);
        }
        f = tmp_input(&t);
        g_assert_true(read_records(f, &error_abort));
        qemu_file_close(f);
        tmp_free(&t);
    }
}

static void expect_stream_refused(TmpStream *t, const char *msg)
{
    QEMUFile *f = tmp_input(t);
    Error *err = NULL;

    g_assert_false(read_records(f, &err));
    if (!strstr(error_get_pretty(err), msg)) {
        g_error("expected '%s' in: %s", msg, error_get_pretty(err));
    }
    error_free(err);
    qemu_file_close(f);
}

static void test_stream_damage(void)
{
    TmpStream t;
    QEMUFile *f = tmp_output(&t);
    g_autofree guint8 *good = NULL;
    gsize len;
    GError *gerr = NULL;
    /* The second record's header: after the file header and record 1. */
    size_t rec2 = 12 + 12 + 17;

    write_records(f, 1);
    g_assert_cmpint(qemu_file_close(f), ==, 0);
    g_file_get_contents(t.path, (gchar **)&good, &len, &gerr);
    g_assert_no_error(gerr);

    {
        g_autofree guint8 *bad = g_memdup2(good, len);

        memcpy(bad, "GRACEMIX", 8);
        tmp_rewrite(&t, bad, len);
        expect_stream_refused(&t, "not a Grace migration stream");
        memcpy(bad, good, 8);
        bad[8] = 3;
        tmp_rewrite(&t, bad, len);
        expect_stream_refused(&t, "migration stream version 3 is not "
                              "supported");
        /* Version 1 is read, but its records carry zlib's CRC-32. */
        bad[8] = 1;
        tmp_rewrite(&t, bad, len);
        expect_stream_refused(&t, "record 1 (ram pages) at offset 12 fails "
                              "its checksum");
        bad[8] = 2;
        /* A flipped bit in record 2's compressed payload. */
        bad[rec2 + 12 + 100] ^= 0x10;
        tmp_rewrite(&t, bad, len);
        expect_stream_refused(&t, "record 2 (ram pages) at offset 41 fails "
                              "its checksum");
        bad[rec2 + 12 + 100] ^= 0x10;
        /* A length beyond the limit. */
        bad[rec2 + 7] = 0x7f;
        tmp_rewrite(&t, bad, len);
        expect_stream_refused(&t, "more than the 16777216 a record may have");
        bad[rec2 + 7] = good[rec2 + 7];
        bad[rec2] = 9;
        tmp_rewrite(&t, bad, len);
        expect_stream_refused(&t, "record 2 at offset 41 has an unknown type");
    }
    /* Cut anywhere: refused as truncated (or, at 0..7, as foreign). */
    for (gsize cut = 0; cut < len; cut += (cut < 64 ? 1 : 997)) {
        tmp_rewrite(&t, good, cut);
        expect_stream_refused(&t, cut < 8 ? "not a Grace migration stream"
                                          : "truncated");
    }
    tmp_rewrite(&t, good, len);
    f = tmp_input(&t);
    g_assert_true(read_records(f, &error_abort));
    qemu_file_close(f);
    tmp_free(&t);
}

/* A reader of a shut-down stream returns at once, with a message. */
static void test_stream_shutdown(void)
{
    int sv[2];
    QEMUFile *in;
    Error *err = NULL;

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
    in = qemu_file_new_input(sv[0]);
    qemu_file_shutdown(in);
    g_assert_false(qemu_file_get_header(in, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "shut down"));
    error_free(err);
    g_assert_cmpint(qemu_file_close(in), ==, -ECANCELED);
    close(sv[1]);
}

/* ------------------------------------------------------------------ */
/* Guest time (softmmu/cpu-timers.c) */

static void test_timer_section(void)
{
    g_autoptr(GByteArray) buf = g_byte_array_new();
    int64_t t, later;
    MigReader r;
    Error *err = NULL;

    init_clocks();
    cpu_timers_init();
    cpu_enable_ticks();
    g_usleep(2000);
    cpu_disable_ticks();
    t = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(t, >=, 2000000);
    g_assert_true(qemu_savevm_section_by_name(buf, "timer", 0));

    cpu_set_virtual_clock_stopped(7);
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, 7);
    qemu_loadvm_state_begin();
    mig_reader_init(&r, buf->data, buf->len);
    g_assert_true(qemu_loadvm_section(&r, &error_abort));
    g_assert_cmpint(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL), ==, t);
    /* It resumes from there. */
    cpu_enable_ticks();
    g_usleep(1000);
    cpu_disable_ticks();
    later = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    g_assert_cmpint(later, >=, t + 1000000);
    g_assert_cmpint(later, <, t + 10 * NANOSECONDS_PER_SECOND);

    /* Time before the epoch of the clock is refused. */
    buf->data[buf->len - 1] = 0x80;
    qemu_loadvm_state_begin();
    mig_reader_init(&r, buf->data, buf->len);
    g_assert_false(qemu_loadvm_section(&r, &err));
    g_assert_nonnull(strstr(error_get_pretty(err), "timer: virtual time -"));
    error_free(err);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmstate/round-trip", test_round_trip);
    g_test_add_func("/vmstate/old-version", test_old_version);
    g_test_add_func("/vmstate/bounds", test_bounds);
    g_test_add_func("/vmstate/short", test_short);
    g_test_add_func("/vmstate/random-bytes", test_random_bytes);
    g_test_add_func("/vmstate/sections", test_sections);
    g_test_add_func("/qemu-file/round-trip", test_stream_round_trip);
    g_test_add_func("/qemu-file/damage", test_stream_damage);
    g_test_add_func("/qemu-file/shutdown", test_stream_shutdown);
    /* Last: it registers a section that the others do not expect. */
    g_test_add_func("/vmstate/timer", test_timer_section);
    return g_test_run();
}
