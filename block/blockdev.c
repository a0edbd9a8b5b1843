/*
 * -drive option parsing (include/sysemu/blockdev.h).
 */
#include "qemu/osdep.h"
#include "qemu/option.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "sysemu/block-backend.h"
#include "sysemu/blockdev.h"

static const char *const drive_opts[] = {
    "file", "format", "if", "id", "readonly", NULL,
};

BlockBackend *drive_new(const char *optstr, Error **errp)
{
    g_autoptr(QemuOpts) opts = qemu_opts_parse(optstr, NULL, errp);
    const char *file, *format, *iface, *id;
    BlockBackend *blk;
    bool read_only;

    if (!opts || !qemu_opts_check_known(opts, drive_opts, errp)) {
        return NULL;
    }

    iface = qemu_opt_get(opts, "if");
    if (!iface) {
        /* QEMU's default interface is board-specific; ours has none. */
        error_setg(errp, "if= is required: only if=none is supported "
                   "(attach the drive with -device virtio-blk-device,"
                   "drive=ID)");
        return NULL;
    }
    if (strcmp(iface, "none")) {
        error_setg(errp, "Unsupported interface if=%s: only if=none is "
                   "supported (attach the drive with -device "
                   "virtio-blk-device,drive=ID)", iface);
        return NULL;
    }

    file = qemu_opt_get(opts, "file");
    if (!file || !*file) {
        error_setg(errp, "file= is required");
        return NULL;
    }
    id = qemu_opts_id(opts);
    if (!id || !*id) {
        error_setg(errp, "id= is required with if=none");
        return NULL;
    }
    if (blk_by_name(id)) {
        error_setg(errp, "Duplicate ID '%s' for drive", id);
        return NULL;
    }

    format = qemu_opt_get(opts, "format");
    if (format && strcmp(format, "raw")) {
        error_setg(errp, "Unsupported image format '%s': only raw is "
                   "supported", format);
        return NULL;
    }
    if (!qemu_opt_get_bool(opts, "readonly", false, &read_only, errp)) {
        return NULL;
    }

    blk = blk_new_open(file, read_only, errp);
    if (!blk) {
        return NULL;
    }
    if (!monitor_add_blk(blk, id, errp)) {
        blk_unref(blk);
        return NULL;
    }
    if (!format) {
        warn_report("Image format was not specified for '%s', so raw is "
                    "assumed.  Specify format=raw to remove this warning.",
                    file);
    }
    return blk;
}
