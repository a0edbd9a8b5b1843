/*
 * The virtual clock's section, "timer": guest time is part of the
 * machine's state.  It is saved while the VM is stopped (the clock
 * stands still then) and loaded before any device that computes from it
 * (the ACLINT's mtime and timers), which is why it is registered before
 * the machine is built.  BQL held.
 */
#include "qemu/osdep.h"
#include "qemu/timer.h"
#include "migration/vmstate.h"
#include "sysemu/cpus.h"

static struct {
    int64_t virtual_ns;
} timers_vmstate;

static void timers_pre_save(void *opaque)
{
    timers_vmstate.virtual_ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static bool timers_post_load(void *opaque, int version_id, Error **errp)
{
    if (timers_vmstate.virtual_ns < 0) {
        error_setg(errp, "virtual time %" PRId64 " ns is negative",
                   timers_vmstate.virtual_ns);
        return false;
    }
    cpu_set_virtual_clock_stopped(timers_vmstate.virtual_ns);
    return true;
}

static const VMStateDescription vmstate_timers = {
    .name = "timer",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = timers_pre_save,
    .post_load = timers_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_INT64(virtual_ns, typeof(timers_vmstate)),
        VMSTATE_END_OF_LIST()
    },
};

void cpu_timers_init(void)
{
    vmstate_register(&vmstate_timers, 0, &timers_vmstate);
}
