/*
 * BlockBackend: what a device (virtio-blk) uses to read and write a disk
 * image.  Grace has one image format, raw, kept in a host file or block
 * device; offsets are bytes from the start of the file.
 *
 * Threads: every function here is called with the BQL held.  The I/O is
 * synchronous: blk_pread/blk_pwrite/blk_flush return when the host call
 * does.
 */
#ifndef SYSEMU_BLOCK_BACKEND_H
#define SYSEMU_BLOCK_BACKEND_H

typedef struct BlockBackend BlockBackend;
typedef struct Error Error;

/* No request flags are defined yet; pass 0. */
typedef enum BdrvRequestFlags {
    BDRV_REQ_NONE = 0,
} BdrvRequestFlags;

/*
 * Open filename as a raw image, read-write unless read_only.  The result
 * has no name until monitor_add_blk gives it one; free it with blk_unref.
 * NULL with *errp ("Could not open 'x.img': No such file or directory").
 */
BlockBackend *blk_new_open(const char *filename, bool read_only,
                           Error **errp);
void blk_ref(BlockBackend *blk);
/* Drop a reference; the last one removes the name and closes the file. */
void blk_unref(BlockBackend *blk);

/*
 * Register blk under name (an -drive id); false if the name is taken.
 * The name takes no reference of its own: the caller's reference from
 * blk_new_open now belongs to it (drive_new works that way), and
 * monitor_remove_blk + blk_unref destroy a backend no device holds.
 */
bool monitor_add_blk(BlockBackend *blk, const char *name, Error **errp);
void monitor_remove_blk(BlockBackend *blk);
BlockBackend *blk_by_name(const char *name);
/* The name given by monitor_add_blk, or "" if none. */
const char *blk_name(const BlockBackend *blk);
/* Call fn for each named backend, in the order they were added. */
void blk_foreach(void (*fn)(BlockBackend *blk, void *opaque), void *opaque);

/*
 * A backend serves one device.  blk_attach_dev fails with -EBUSY if
 * another device already holds it.
 */
int blk_attach_dev(BlockBackend *blk, void *dev);
void blk_detach_dev(BlockBackend *blk, void *dev);
void *blk_get_attached_dev(BlockBackend *blk);

/*
 * Read or write bytes at offset.  Return 0, or -errno: -EIO for a request
 * beyond the end of the image, -EACCES for a write to a read-only image,
 * or what the host returned.  A short host transfer is retried to the
 * end; hitting end-of-file early is -EIO.
 */
int blk_pread(BlockBackend *blk, int64_t offset, int64_t bytes, void *buf,
              BdrvRequestFlags flags);
int blk_pwrite(BlockBackend *blk, int64_t offset, int64_t bytes,
               const void *buf, BdrvRequestFlags flags);
/* Write back everything written so far (fdatasync); 0 or -errno. */
int blk_flush(BlockBackend *blk);
/* Size of the image in bytes (fixed when it was opened). */
int64_t blk_getlength(BlockBackend *blk);
bool blk_is_read_only(BlockBackend *blk);
/* The file name the backend was opened with. */
const char *blk_filename(BlockBackend *blk);

#endif /* SYSEMU_BLOCK_BACKEND_H */
