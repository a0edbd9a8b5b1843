/*
 * Accelerators: the engines that execute guest code, chosen with
 * -accel NAME[,KEY=VALUE...].  Each registers its AccelOpsClass
 * (sysemu/accel-ops.h) when initialised.
 */
#ifndef QEMU_ACCEL_H
#define QEMU_ACCEL_H

#include "qemu/option.h"

typedef struct AccelClass {
    const char *name;
    /* The -accel keys it takes besides the name, NULL-terminated. */
    const char *const *opts;
    /*
     * Apply opts (NULL: the defaults) and register the vCPU ops.  Before
     * the machine is built; false with errp set on a bad value.
     */
    bool (*init_machine)(QemuOpts *opts, Error **errp);
} AccelClass;

/* The accelerator called name, or NULL. */
const AccelClass *accel_find(const char *name);

/*
 * Initialise the accelerator called name with opts (NULL: defaults).
 * Once per process.  False with errp set if it does not exist or
 * refuses the options.
 */
bool accel_init_machine(const char *name, QemuOpts *opts, Error **errp);

#endif /* QEMU_ACCEL_H */
