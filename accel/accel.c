/*
 * The table of accelerators (qemu/accel.h).
 */
#include "qemu/osdep.h"
#include "qemu/accel.h"
#include "qapi/error.h"

extern const AccelClass tcg_accel;
extern const AccelClass qtest_accel;

static const AccelClass *const accelerators[] = {
    &tcg_accel,
    &qtest_accel,
};

const AccelClass *accel_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(accelerators); i++) {
        if (!strcmp(accelerators[i]->name, name)) {
            return accelerators[i];
        }
    }
    return NULL;
}

bool accel_init_machine(const char *name, QemuOpts *opts, Error **errp)
{
    const AccelClass *ac = accel_find(name);

    if (!ac) {
        g_autoptr(GString) names = g_string_new(NULL);

        for (size_t i = 0; i < ARRAY_SIZE(accelerators); i++) {
            g_string_append_printf(names, "%s%s", i ? ", " : "",
                                   accelerators[i]->name);
        }
        error_setg(errp, "unsupported accelerator '%s' (Grace has: %s)",
                   name, names->str);
        return false;
    }
    if (opts) {
        g_autoptr(GPtrArray) known = g_ptr_array_new();

        g_ptr_array_add(known, (gpointer)"accel");
        for (const char *const *o = ac->opts; o && *o; o++) {
            g_ptr_array_add(known, (gpointer)*o);
        }
        g_ptr_array_add(known, NULL);
        if (!qemu_opts_check_known(opts, (const char *const *)known->pdata,
                                   errp)) {
            return false;
        }
    }
    return ac->init_machine(opts, errp);
}
