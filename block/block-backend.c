/*
 * Raw-file block backends (include/sysemu/block-backend.h).
 *
 * A BlockBackend is an open file descriptor on a raw image plus the
 * bookkeeping the command line and devices need: a name (the -drive id),
 * the device it serves and a reference count.  All of it, including the
 * list of named backends, is used only with the BQL held.
 */
#include "qemu/osdep.h"
#include "qemu/queue.h"
#include "qapi/error.h"
#include "sysemu/block-backend.h"

#include <sys/ioctl.h>
#ifdef CONFIG_LINUX
#include <linux/fs.h>
#endif

struct BlockBackend {
    char *name;                 /* NULL until monitor_add_blk */
    char *filename;
    int fd;
    bool read_only;
    int64_t length;             /* bytes, fixed at open */
    int refcnt;
    void *dev;                  /* the device attached, or NULL */
    QTAILQ_ENTRY(BlockBackend) link;   /* in named_backends if named */
};

static QTAILQ_HEAD(, BlockBackend) named_backends =
    QTAILQ_HEAD_INITIALIZER(named_backends);

/* The size of the file or block device behind fd, or -errno. */
static int64_t raw_getlength(int fd, const struct stat *st)
{
    if (S_ISBLK(st->st_mode)) {
#ifdef BLKGETSIZE64
        uint64_t size;

        if (ioctl(fd, BLKGETSIZE64, &size) == 0) {
            return size;
        }
#endif
        off_t end = lseek(fd, 0, SEEK_END);

        return end < 0 ? -errno : end;
    }
    return st->st_size;
}

BlockBackend *blk_new_open(const char *filename, bool read_only,
                           Error **errp)
{
    BlockBackend *blk;
    struct stat st;
    int64_t length;
    int fd;

    do {
        fd = open(filename, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", filename);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "Could not stat '%s'", filename);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        error_setg(errp, "'%s' is not a regular file or a block device",
                   filename);
        close(fd);
        return NULL;
    }
    length = raw_getlength(fd, &st);
    if (length < 0) {
        error_setg_errno(errp, -length, "Could not get the size of '%s'",
                         filename);
        close(fd);
        return NULL;
    }

    blk = g_new0(BlockBackend, 1);
    blk->filename = g_strdup(filename);
    blk->fd = fd;
    blk->read_only = read_only;
    blk->length = length;
    blk->refcnt = 1;
    return blk;
}

void blk_ref(BlockBackend *blk)
{
    blk->refcnt++;
}

void blk_unref(BlockBackend *blk)
{
    if (!blk) {
        return;
    }
    assert(blk->refcnt > 0);
    if (--blk->refcnt > 0) {
        return;
    }
    assert(!blk->dev);
    monitor_remove_blk(blk);
    close(blk->fd);
    g_free(blk->filename);
    g_free(blk);
}

bool monitor_add_blk(BlockBackend *blk, const char *name, Error **errp)
{
    assert(!blk->name);
    if (!name || !*name) {
        error_setg(errp, "A drive needs a non-empty id");
        return false;
    }
    if (blk_by_name(name)) {
        error_setg(errp, "Duplicate ID '%s' for drive", name);
        return false;
    }
    blk->name = g_strdup(name);
    QTAILQ_INSERT_TAIL(&named_backends, blk, link);
    return true;
}

void monitor_remove_blk(BlockBackend *blk)
{
    if (!blk->name) {
        return;
    }
    QTAILQ_REMOVE(&named_backends, blk, link);
    g_free(blk->name);
    blk->name = NULL;
}

BlockBackend *blk_by_name(const char *name)
{
    BlockBackend *blk;

    QTAILQ_FOREACH(blk, &named_backends, link) {
        if (!strcmp(blk->name, name)) {
            return blk;
        }
    }
    return NULL;
}

const char *blk_name(const BlockBackend *blk)
{
    return blk->name ? blk->name : "";
}

void blk_foreach(void (*fn)(BlockBackend *blk, void *opaque), void *opaque)
{
    BlockBackend *blk, *next;

    QTAILQ_FOREACH_SAFE(blk, &named_backends, link, next) {
        fn(blk, opaque);
    }
}

int blk_attach_dev(BlockBackend *blk, void *dev)
{
    assert(dev);
    if (blk->dev) {
        return -EBUSY;
    }
    blk->dev = dev;
    blk_ref(blk);
    return 0;
}

void blk_detach_dev(BlockBackend *blk, void *dev)
{
    assert(blk->dev == dev);
    blk->dev = NULL;
    blk_unref(blk);
}

void *blk_get_attached_dev(BlockBackend *blk)
{
    return blk->dev;
}

/* -EIO unless [offset, offset + bytes) lies within the image. */
static int blk_check_request(BlockBackend *blk, int64_t offset,
                             int64_t bytes)
{
    if (offset < 0 || bytes < 0 || offset > blk->length ||
        bytes > blk->length - offset) {
        return -EIO;
    }
    return 0;
}

/*
 * Transfer all of [offset, offset + bytes), retrying interrupted and short
 * host calls.  buf is only read when is_write.
 */
static int raw_rw(BlockBackend *blk, int64_t offset, int64_t bytes,
                  uint8_t *buf, bool is_write)
{
    int ret = blk_check_request(blk, offset, bytes);

    if (ret < 0) {
        return ret;
    }
    while (bytes > 0) {
        size_t chunk = MIN(bytes, (int64_t)SSIZE_MAX);
        ssize_t n = is_write ? pwrite(blk->fd, buf, chunk, offset)
                             : pread(blk->fd, buf, chunk, offset);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (n == 0) {
            /* The file shrank under us, or the device is full. */
            return -EIO;
        }
        buf += n;
        offset += n;
        bytes -= n;
    }
    return 0;
}

int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf,
              BdrvRequestFlags flags)
{
    return raw_rw(blk, offset, bytes, buf, false);
}

int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes,
               const void *buf, BdrvRequestFlags flags)
{
    if (blk->read_only) {
        return -EACCES;
    }
    /* raw_rw does not write through buf when is_write. */
    return raw_rw(blk, offset, bytes, (uint8_t *)buf, true);
}

int blk_flush(BlockBackend *blk)
{
    if (blk->read_only) {
        return 0;
    }
    while (fdatasync(blk->fd) < 0) {
        if (errno != EINTR) {
            return -errno;
        }
    }
    return 0;
}

int64_t blk_getlength(BlockBackend *blk)
{
    return blk->length;
}

bool blk_is_read_only(BlockBackend *blk)
{
    return blk->read_only;
}

const char *blk_filename(BlockBackend *blk)
{
    return blk->filename;
}
