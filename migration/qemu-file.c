/*
 * The migration stream (include/migration/qemu-file.h): records framed
 * and checksummed over a blocking file descriptor.
 *
 * One thread writes or reads a stream; the only cross-thread call is
 * qemu_file_shutdown, which sets the sticky error with an atomic
 * compare-and-swap and shuts the socket down, so that a write or read
 * blocked in the kernel returns.  Everything else in QEMUFile belongs to
 * the thread using the stream.
 */
#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/crc32c.h"
#include "migration/qemu-file.h"
#include <sys/socket.h>
#include <sys/uio.h>
#include <zlib.h>

/* Small records are gathered before they go out in one write. */
#define QEMU_FILE_BUF_SIZE  (64 * 1024)

struct QEMUFile {
    int fd;
    bool output;
    /* The first error: 0, or a negative errno.  atomic (shutdown). */
    int error;
    char *error_msg;            /* what failed, for the first error */
    uint64_t transferred;       /* output: bytes written or buffered */
    GByteArray *buf;            /* output: records not yet written */
    GByteArray *scratch;        /* compression / decompression */

    /* input */
    GByteArray *payload;
    uint64_t offset;            /* bytes read so far */
    uint64_t record_offset;     /* where the last record starts */
    uint64_t record_index;      /* its number, from 1 */
    uint32_t version;           /* the stream's, from its header */
};

/*
 * A record's checksum: CRC-32C from version 2 on (six times as fast as
 * zlib's CRC-32 here, where it took nearly half of the source migration
 * thread's time), CRC-32 before.
 */
static uint32_t record_checksum(uint32_t version, const uint8_t *data,
                                size_t len)
{
    if (version < 2) {
        return crc32(0, data, len);
    }
    return crc32c(0xffffffff, data, len);
}

const char *mig_record_name(MigRecordType type)
{
    switch (type) {
    case MIG_REC_CONFIG:
        return "config";
    case MIG_REC_RAM_BLOCKS:
        return "ram blocks";
    case MIG_REC_RAM_PAGES:
        return "ram pages";
    case MIG_REC_DEVICE:
        return "device";
    case MIG_REC_END:
        return "end";
    default:
        return "unknown";
    }
}

void mig_put_str(GByteArray *b, const char *s)
{
    size_t len = strlen(s);

    assert(len <= 255);
    mig_put_u8(b, len);
    g_byte_array_append(b, (const guint8 *)s, len);
}

const uint8_t *mig_get_bytes(MigReader *r, size_t len)
{
    const uint8_t *p;

    if (mig_reader_left(r) < len) {
        return NULL;
    }
    p = r->data + r->pos;
    r->pos += len;
    return p;
}

static bool mig_get_le(MigReader *r, unsigned size, uint64_t *v)
{
    const uint8_t *p = mig_get_bytes(r, size);

    if (!p) {
        return false;
    }
    *v = 0;
    for (unsigned i = 0; i < size; i++) {
        *v |= (uint64_t)p[i] << (8 * i);
    }
    return true;
}

bool mig_get_u8(MigReader *r, uint8_t *v)
{
    uint64_t x;

    if (!mig_get_le(r, 1, &x)) {
        return false;
    }
    *v = x;
    return true;
}

bool mig_get_le16(MigReader *r, uint16_t *v)
{
    uint64_t x;

    if (!mig_get_le(r, 2, &x)) {
        return false;
    }
    *v = x;
    return true;
}

bool mig_get_le32(MigReader *r, uint32_t *v)
{
    uint64_t x;

    if (!mig_get_le(r, 4, &x)) {
        return false;
    }
    *v = x;
    return true;
}

bool mig_get_le64(MigReader *r, uint64_t *v)
{
    return mig_get_le(r, 8, v);
}

bool mig_get_str(MigReader *r, char *buf, size_t size)
{
    size_t start = r->pos;
    const uint8_t *p;
    uint8_t len;

    assert(size > 255);
    if (!mig_get_u8(r, &len)) {
        return false;
    }
    p = mig_get_bytes(r, len);
    if (!p || memchr(p, 0, len)) {
        r->pos = start;
        return false;
    }
    memcpy(buf, p, len);
    buf[len] = 0;
    return true;
}

/* ------------------------------------------------------------------ */

static QEMUFile *qemu_file_new(int fd, bool output)
{
    QEMUFile *f = g_new0(QEMUFile, 1);

    f->fd = fd;
    f->output = output;
    f->buf = g_byte_array_new();
    f->scratch = g_byte_array_new();
    f->payload = g_byte_array_new();
    return f;
}

QEMUFile *qemu_file_new_output(int fd)
{
    return qemu_file_new(fd, true);
}

QEMUFile *qemu_file_new_input(int fd)
{
    return qemu_file_new(fd, false);
}

/* Record the first error (ret < 0) and its message; later ones are lost. */
static void G_GNUC_PRINTF(3, 4) qemu_file_set_error(QEMUFile *f, int ret,
                                                    const char *fmt, ...)
{
    va_list ap;

    if (qatomic_cmpxchg(&f->error, 0, ret) != 0) {
        return;
    }
    va_start(ap, fmt);
    /* Only the thread that set error writes the message. */
    f->error_msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

int qemu_file_get_error(QEMUFile *f)
{
    return qatomic_read(&f->error);
}

void qemu_file_error_message(QEMUFile *f, Error **errp)
{
    int err = qemu_file_get_error(f);

    if (err == -ECANCELED || !f->error_msg) {
        error_setg(errp, "the migration stream was shut down");
    } else {
        error_setg_errno(errp, -err, "%s", f->error_msg);
    }
}

void qemu_file_shutdown(QEMUFile *f)
{
    /* Sticky first, so that whatever returns from the kernel sees it. */
    qatomic_cmpxchg(&f->error, 0, -ECANCELED);
    /* A file (ENOTSOCK) never blocks for long: nothing to interrupt. */
    shutdown(f->fd, SHUT_RDWR);
}

/* Write iov out in full; false (error set) if that fails. */
static bool qemu_file_writev(QEMUFile *f, struct iovec *iov, int iovcnt)
{
    while (iovcnt > 0) {
        ssize_t n;

        if (qemu_file_get_error(f)) {
            return false;
        }
        n = writev(f->fd, iov, iovcnt);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            qemu_file_set_error(f, -errno, "cannot write the migration "
                                "stream");
            return false;
        }
        while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
            n -= iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (uint8_t *)iov->iov_base + n;
            iov->iov_len -= n;
        }
    }
    return true;
}

static bool qemu_file_write_buf(QEMUFile *f)
{
    struct iovec iov = { f->buf->data, f->buf->len };
    bool ok = !f->buf->len || qemu_file_writev(f, &iov, 1);

    g_byte_array_set_size(f->buf, 0);
    return ok;
}

void qemu_file_put_header(QEMUFile *f)
{
    assert(f->output && f->transferred == 0);
    g_byte_array_append(f->buf, (const guint8 *)MIG_MAGIC, 8);
    mig_put_le32(f->buf, MIG_VERSION);
    f->transferred += 12;
}

/* payload as it goes on the wire: compressed into f->scratch, or not. */
static const uint8_t *compress_payload(QEMUFile *f, const void *payload,
                                       size_t *len, uint8_t *flags,
                                       int level)
{
    uLongf out_len = compressBound(*len);

    *flags = 0;
    if (level < 0 || *len < 64) {
        return payload;
    }
    g_byte_array_set_size(f->scratch, 4 + out_len);
    if (compress2(f->scratch->data + 4, &out_len, payload, *len,
                  level) != Z_OK || out_len + 4 >= *len) {
        return payload;
    }
    for (int i = 0; i < 4; i++) {
        f->scratch->data[i] = *len >> (8 * i);
    }
    *len = out_len + 4;
    *flags = MIG_REC_ZLIB;
    return f->scratch->data;
}

/*
 * Write a record whose payload is iov (len bytes in all), after what is
 * buffered: small records join the buffer, a large one goes out at once
 * with the buffer in front, in one writev.
 */
static void put_record(QEMUFile *f, MigRecordType type, uint8_t flags,
                       const struct iovec *iov, int iovcnt, size_t len,
                       uint32_t crc)
{
    uint8_t hdr[MIG_RECORD_HDR_SIZE] = { type, flags };
    struct iovec out[QEMU_FILE_MAX_PIECES + 2];

    assert(f->output && len <= MIG_RECORD_MAX);
    assert(iovcnt <= QEMU_FILE_MAX_PIECES);
    for (int i = 0; i < 4; i++) {
        hdr[4 + i] = len >> (8 * i);
        hdr[8 + i] = crc >> (8 * i);
    }
    f->transferred += sizeof(hdr) + len;
    if (f->buf->len + sizeof(hdr) + len <= QEMU_FILE_BUF_SIZE) {
        g_byte_array_append(f->buf, hdr, sizeof(hdr));
        for (int i = 0; i < iovcnt; i++) {
            g_byte_array_append(f->buf, iov[i].iov_base, iov[i].iov_len);
        }
        return;
    }
    out[0] = (struct iovec) { f->buf->data, f->buf->len };
    out[1] = (struct iovec) { hdr, sizeof(hdr) };
    memcpy(out + 2, iov, iovcnt * sizeof(*iov));
    qemu_file_writev(f, out, iovcnt + 2);
    g_byte_array_set_size(f->buf, 0);
}

void qemu_file_put_record(QEMUFile *f, MigRecordType type,
                          const void *payload, size_t len,
                          int compress_level)
{
    struct iovec iov;
    uint8_t flags;

    if (qemu_file_get_error(f)) {
        return;
    }
    iov.iov_base = (void *)compress_payload(f, payload, &len, &flags,
                                            compress_level);
    iov.iov_len = len;
    put_record(f, type, flags, &iov, 1, len,
               record_checksum(MIG_VERSION, iov.iov_base, len));
}

/*
 * The checksum of pieces that are mostly guest memory, likely not in
 * any cache: a page's lines are all requested before the CRC starts on
 * it, as a copy would, where the CRC alone would wait for them a few at
 * a time (64 MiB: 4 ms against 12 here).  The pieces are chained:
 * crc32c's result is inverted, and inverted again it goes on.
 */
QEMU_BUILD_BUG_ON(MIG_VERSION < 2);     /* CRC-32C */

static uint32_t pieces_checksum(const struct iovec *iov, int iovcnt)
{
    uint32_t reg = 0xffffffff;

    for (int i = 0; i < iovcnt; i++) {
        const uint8_t *p = iov[i].iov_base;
        size_t left = iov[i].iov_len;

        while (left) {
            size_t n = MIN(left, 4096 - ((uintptr_t)p & 4095));

            for (size_t line = 0; line < n; line += 64) {
                __builtin_prefetch(p + line);
            }
            reg = ~crc32c(reg, p, n);
            p += n;
            left -= n;
        }
    }
    return ~reg;
}

void qemu_file_put_record_iov(QEMUFile *f, MigRecordType type,
                              const struct iovec *iov, int iovcnt)
{
    size_t len = 0;

    if (qemu_file_get_error(f)) {
        return;
    }
    for (int i = 0; i < iovcnt; i++) {
        len += iov[i].iov_len;
    }
    put_record(f, type, 0, iov, iovcnt, len, pieces_checksum(iov, iovcnt));
}

int qemu_file_flush(QEMUFile *f, bool sync)
{
    struct stat st;

    assert(f->output);
    if (qemu_file_write_buf(f) && sync &&
        fstat(f->fd, &st) == 0 && S_ISREG(st.st_mode) &&
        fsync(f->fd) < 0) {
        qemu_file_set_error(f, -errno, "cannot sync the migration file");
    }
    return qemu_file_get_error(f);
}

uint64_t qemu_file_transferred(QEMUFile *f)
{
    return f->transferred;
}

int qemu_file_close(QEMUFile *f)
{
    int ret;

    if (f->output) {
        qemu_file_flush(f, false);
    }
    ret = qemu_file_get_error(f);
    close(f->fd);
    g_byte_array_unref(f->buf);
    g_byte_array_unref(f->scratch);
    g_byte_array_unref(f->payload);
    g_free(f->error_msg);
    g_free(f);
    return ret;
}

/* ------------------------------------------------------------------ */
/* Input */

/* Read exactly len bytes; the number read (less only at end of file). */
static ssize_t qemu_file_read_full(QEMUFile *f, void *buf, size_t len,
                                   Error **errp)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n;

        if (qemu_file_get_error(f)) {
            qemu_file_error_message(f, errp);
            return -1;
        }
        n = read(f->fd, (uint8_t *)buf + done, len - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_setg_errno(errp, errno, "cannot read the migration "
                             "stream at offset %" PRIu64,
                             f->offset + done);
            return -1;
        }
        if (n == 0) {
            break;
        }
        done += n;
    }
    f->offset += done;
    return done;
}

bool qemu_file_get_header(QEMUFile *f, Error **errp)
{
    uint8_t hdr[12];
    ssize_t n = qemu_file_read_full(f, hdr, sizeof(hdr), errp);
    MigReader r;
    uint32_t version;

    if (n < 0) {
        return false;
    }
    if (n < 8 || memcmp(hdr, MIG_MAGIC, 8) != 0) {
        error_setg(errp, "not a Grace migration stream (it does not start "
                   "with \"" MIG_MAGIC "\")");
        return false;
    }
    if (n < 12) {
        error_setg(errp, "the migration stream is truncated: it ends in "
                   "its header");
        return false;
    }
    mig_reader_init(&r, hdr + 8, 4);
    mig_get_le32(&r, &version);
    if (version < MIG_VERSION_MIN || version > MIG_VERSION) {
        error_setg(errp, "migration stream version %" PRIu32 " is not "
                   "supported (this emulator reads versions %d to %d)",
                   version, MIG_VERSION_MIN, MIG_VERSION);
        return false;
    }
    f->version = version;
    return true;
}

bool qemu_file_get_record(QEMUFile *f, MigRecordType *type, MigReader *r,
                          Error **errp)
{
    uint8_t hdr[MIG_RECORD_HDR_SIZE];
    uint32_t len, crc, raw_len;
    ssize_t n;
    MigReader h;
    uint8_t flags;

    f->record_offset = f->offset;
    f->record_index++;
    n = qemu_file_read_full(f, hdr, sizeof(hdr), errp);
    if (n < 0) {
        return false;
    }
    if (n == 0) {
        error_setg(errp, "the migration stream is truncated: it ends after "
                   "record %" PRIu64 ", before its end record",
                   f->record_index - 1);
        return false;
    }
    if (n < sizeof(hdr)) {
        error_setg(errp, "the migration stream is truncated: it ends in "
                   "the header of record %" PRIu64 " (offset %" PRIu64 ")",
                   f->record_index, f->record_offset);
        return false;
    }
    mig_reader_init(&h, hdr, sizeof(hdr));
    h.pos = 4;
    mig_get_le32(&h, &len);
    mig_get_le32(&h, &crc);
    *type = hdr[0];
    flags = hdr[1];
    if (*type < MIG_REC_CONFIG || *type > MIG_REC_END || hdr[2] || hdr[3] ||
        (flags & ~MIG_REC_ZLIB)) {
        error_setg(errp, "record %" PRIu64 " at offset %" PRIu64 " has an "
                   "unknown type or flags (0x%02x, 0x%02x): corrupted "
                   "stream", f->record_index, f->record_offset, hdr[0],
                   flags);
        return false;
    }
    if (len > MIG_RECORD_MAX) {
        error_setg(errp, "record %" PRIu64 " (%s) at offset %" PRIu64
                   " claims %" PRIu32 " bytes, more than the %d a record "
                   "may have: corrupted stream", f->record_index,
                   mig_record_name(*type), f->record_offset, len,
                   MIG_RECORD_MAX);
        return false;
    }
    g_byte_array_set_size(f->payload, len);
    n = qemu_file_read_full(f, f->payload->data, len, errp);
    if (n < 0) {
        return false;
    }
    if (n < len) {
        error_setg(errp, "the migration stream is truncated: it ends "
                   "inside record %" PRIu64 " (%s) at offset %" PRIu64
                   ", %zd of its %" PRIu32 " bytes read",
                   f->record_index, mig_record_name(*type),
                   f->record_offset, n, len);
        return false;
    }
    if (record_checksum(f->version, f->payload->data, len) != crc) {
        error_setg(errp, "record %" PRIu64 " (%s) at offset %" PRIu64
                   " fails its checksum: corrupted stream",
                   f->record_index, mig_record_name(*type),
                   f->record_offset);
        return false;
    }
    if (!(flags & MIG_REC_ZLIB)) {
        mig_reader_init(r, f->payload->data, len);
        return true;
    }

    mig_reader_init(&h, f->payload->data, len);
    if (!mig_get_le32(&h, &raw_len) || raw_len > MIG_RECORD_MAX) {
        error_setg(errp, "record %" PRIu64 " (%s) at offset %" PRIu64
                   ": bad compressed length", f->record_index,
                   mig_record_name(*type), f->record_offset);
        return false;
    }
    {
        uLongf out_len = raw_len;

        g_byte_array_set_size(f->scratch, raw_len);
        if (uncompress(f->scratch->data, &out_len, f->payload->data + 4,
                       len - 4) != Z_OK || out_len != raw_len) {
            error_setg(errp, "record %" PRIu64 " (%s) at offset %" PRIu64
                       " does not inflate to the %" PRIu32 " bytes it "
                       "claims", f->record_index, mig_record_name(*type),
                       f->record_offset, raw_len);
            return false;
        }
    }
    mig_reader_init(r, f->scratch->data, raw_len);
    return true;
}

uint64_t qemu_file_record_offset(QEMUFile *f)
{
    return f->record_offset;
}

uint64_t qemu_file_record_index(QEMUFile *f)
{
    return f->record_index;
}
