/*
 * The migration stream: framed, checksummed records over a file
 * descriptor (a socket or a file), and the little-endian encoders and
 * bounded decoders that fill and read the records.
 *
 * A stream is the magic "GRACEMIG" and a 32-bit version, then records:
 *
 *   u8 type | u8 flags | u16 0 | u32 length | u32 crc32 | length bytes
 *
 * The CRC-32 (zlib's) covers the payload as sent.  With MIG_REC_ZLIB the
 * payload is a 32-bit uncompressed length and a zlib stream.  A reader
 * refuses a record longer than MIG_RECORD_MAX, a wrong checksum, a
 * payload that does not inflate to the length it claims, and a stream
 * that ends inside a record, each with a message saying where.  What a
 * record's payload holds is up to its type (migration/ram.c,
 * migration/savevm.c); docs/devel/migration.rst has the whole format.
 *
 * A QEMUFile is used by one thread at a time (the migration or the
 * incoming thread), except qemu_file_shutdown, which any thread may call
 * to make a blocked read or write return.
 */
#ifndef MIGRATION_QEMU_FILE_H
#define MIGRATION_QEMU_FILE_H

#include "qapi/error.h"

#define MIG_MAGIC           "GRACEMIG"
/*
 * Version 2 checks records with CRC-32C; version 1, which is still
 * read (files saved by earlier builds), with zlib's CRC-32.
 */
#define MIG_VERSION         2
#define MIG_VERSION_MIN     1

/* Largest payload of a record, compressed or not. */
#define MIG_RECORD_MAX      (16 * 1024 * 1024)
#define MIG_RECORD_HDR_SIZE 12

typedef enum MigRecordType {
    MIG_REC_CONFIG = 1,         /* the machine: type, vCPUs, RAM size */
    MIG_REC_RAM_BLOCKS = 2,     /* the RAM blocks: names and sizes */
    MIG_REC_RAM_PAGES = 3,      /* runs of pages of those blocks */
    MIG_REC_DEVICE = 4,         /* one device's section */
    MIG_REC_END = 5,            /* the end, with totals to check */
} MigRecordType;

#define MIG_REC_ZLIB        0x01    /* record flag: payload is compressed */

/* ------------------------------------------------------------------ */
/* Building a payload: little-endian values appended to a GByteArray */

static inline void mig_put_u8(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

static inline void mig_put_le16(GByteArray *b, uint16_t v)
{
    uint8_t p[2] = { v, v >> 8 };

    g_byte_array_append(b, p, 2);
}

static inline void mig_put_le32(GByteArray *b, uint32_t v)
{
    uint8_t p[4] = { v, v >> 8, v >> 16, v >> 24 };

    g_byte_array_append(b, p, 4);
}

static inline void mig_put_le64(GByteArray *b, uint64_t v)
{
    mig_put_le32(b, v);
    mig_put_le32(b, v >> 32);
}

/* A string of at most 255 bytes: its length, then its bytes. */
void mig_put_str(GByteArray *b, const char *s);

/* ------------------------------------------------------------------ */
/* Reading a payload: every get checks that the bytes are there */

typedef struct MigReader {
    const uint8_t *data;
    size_t size;
    size_t pos;
} MigReader;

static inline void mig_reader_init(MigReader *r, const void *data,
                                   size_t size)
{
    r->data = data;
    r->size = size;
    r->pos = 0;
}

static inline size_t mig_reader_left(const MigReader *r)
{
    return r->size - r->pos;
}

/* Each returns false, consuming nothing, if the bytes run out. */
bool mig_get_u8(MigReader *r, uint8_t *v);
bool mig_get_le16(MigReader *r, uint16_t *v);
bool mig_get_le32(MigReader *r, uint32_t *v);
bool mig_get_le64(MigReader *r, uint64_t *v);
/* A pointer to the next len bytes, consumed. */
const uint8_t *mig_get_bytes(MigReader *r, size_t len);
/* A string put by mig_put_str, into buf (NUL-terminated, size >= 256);
 * false if it is cut short or holds a NUL. */
bool mig_get_str(MigReader *r, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* Streams */

typedef struct QEMUFile QEMUFile;

/* A stream writing to, or reading from, fd (taken: closed by close). */
QEMUFile *qemu_file_new_output(int fd);
QEMUFile *qemu_file_new_input(int fd);
/* Flush (output), close fd and free.  Returns the stream's error, 0 if
 * none. */
int qemu_file_close(QEMUFile *f);

/*
 * Make the stream fail: a blocked write or read returns at once (a
 * socket is shut down) and every later one fails with ECANCELED.  Any
 * thread.
 */
void qemu_file_shutdown(QEMUFile *f);

/* The first error (negative errno), 0 if none; its message in errp. */
int qemu_file_get_error(QEMUFile *f);
void qemu_file_error_message(QEMUFile *f, Error **errp);

/* Output: the header, then records. */
void qemu_file_put_header(QEMUFile *f);
/*
 * Write a record of type with payload (len bytes); with compress_level
 * >= 0, zlib-compressed at that level (kept uncompressed if that does
 * not make it smaller).  Errors stick to the stream.
 */
void qemu_file_put_record(QEMUFile *f, MigRecordType type,
                          const void *payload, size_t len,
                          int compress_level);
/*
 * The same, uncompressed, for a payload in iovcnt pieces (at most
 * QEMU_FILE_MAX_PIECES): they are checksummed and written where they
 * are, without a copy, and must not change until the call returns.
 */
#define QEMU_FILE_MAX_PIECES    512
void qemu_file_put_record_iov(QEMUFile *f, MigRecordType type,
                              const struct iovec *iov, int iovcnt);
/* Write out what is buffered; for a file, also fsync it.  0 or -errno. */
int qemu_file_flush(QEMUFile *f, bool sync);
/* Bytes handed to the stream so far (headers included, as sent). */
uint64_t qemu_file_transferred(QEMUFile *f);

/*
 * Input: check the header ("not a Grace migration stream", "stream
 * version N is not supported"), then read records one by one.  A record
 * read with qemu_file_get_record is valid until the next call: *type,
 * and r over its (uncompressed) payload.  false with *errp at the end of
 * the stream or on any error, which names the record by its number and
 * offset in the stream.
 */
bool qemu_file_get_header(QEMUFile *f, Error **errp);
bool qemu_file_get_record(QEMUFile *f, MigRecordType *type, MigReader *r,
                          Error **errp);
/* Where the last record read starts, and its number (1 = the first). */
uint64_t qemu_file_record_offset(QEMUFile *f);
uint64_t qemu_file_record_index(QEMUFile *f);

/* The name of a record type, for messages ("ram pages"). */
const char *mig_record_name(MigRecordType type);

#endif /* MIGRATION_QEMU_FILE_H */
