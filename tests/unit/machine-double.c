/*
 * A stand-in for the machine (machine-double.h): what softmmu/runstate.c,
 * vl.c, memory.c and physmem.c provide to the monitor.
 */
#include "qemu/osdep.h"
#include "sysemu/runstate.h"
#include "sysemu/sysemu.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "monitor/qapi-events.h"
#include "machine-double.h"

MachineDouble machine_double;
const char *qemu_name;
uint64_t ram_size;
unsigned int smp_cpus = 1;
bool autostart = true;

void machine_double_reset(void)
{
    memset(&machine_double, 0, sizeof(machine_double));
    machine_double.state = RUN_STATE_PRELAUNCH;
    qemu_name = NULL;
    ram_size = 128 * MiB;
}

bool runstate_check(RunState state)
{
    return machine_double.state == state;
}

bool runstate_is_running(void)
{
    return machine_double.state == RUN_STATE_RUNNING;
}

RunState runstate_get(void)
{
    return machine_double.state;
}

const char *runstate_name(RunState state)
{
    static const char *const names[RUN_STATE__MAX] = {
        [RUN_STATE_PRELAUNCH] = "prelaunch",
        [RUN_STATE_RUNNING] = "running",
        [RUN_STATE_PAUSED] = "paused",
        [RUN_STATE_SHUTDOWN] = "shutdown",
        [RUN_STATE_GUEST_PANICKED] = "guest-panicked",
        [RUN_STATE_INTERNAL_ERROR] = "internal-error",
        [RUN_STATE_DEBUG] = "debug",
        [RUN_STATE_INMIGRATE] = "inmigrate",
        [RUN_STATE_FINISH_MIGRATE] = "finish-migrate",
        [RUN_STATE_POSTMIGRATE] = "postmigrate",
    };

    assert(state < RUN_STATE__MAX);
    return names[state];
}

void vm_start(void)
{
    machine_double.state = RUN_STATE_RUNNING;
    qapi_event_send_resume();
}

int vm_stop(RunState state)
{
    bool was_running = runstate_is_running();

    machine_double.state = state;
    if (was_running) {
        qapi_event_send_stop();
    }
    return 0;
}

void qemu_system_shutdown_request(ShutdownCause reason)
{
    machine_double.shutdown_requests++;
    machine_double.shutdown_cause = reason;
    qapi_event_send_shutdown(reason >= SHUTDOWN_CAUSE_GUEST_SHUTDOWN &&
                             reason <= SHUTDOWN_CAUSE_GUEST_PANIC, reason);
}

void qemu_system_reset_request(ShutdownCause reason)
{
    machine_double.reset_requests++;
    machine_double.reset_cause = reason;
    qapi_event_send_reset(reason == SHUTDOWN_CAUSE_GUEST_RESET, reason);
}

void qemu_system_powerdown_request(void)
{
    machine_double.powerdown_requests++;
    qapi_event_send_powerdown();
}

void mtree_info(GString *buf)
{
    g_string_append_printf(buf, "address-space: memory\n"
                           "  0000000000000000-ffffffffffffffff "
                           "(prio 0, i/o): system\n"
                           "    0000000080000000-%016" PRIx64
                           " (prio 0, ram): riscv_virt_board.ram\n",
                           (uint64_t)0x80000000 + ram_size - 1);
}

void ram_block_info(GString *buf)
{
    g_string_append_printf(buf, "%24s %8s %18s %18s %18s\n", "Block Name",
                           "PSize", "Offset", "Used", "Total");
    g_string_append_printf(buf, "%24s %8s 0x%016x 0x%016" PRIx64
                           " 0x%016" PRIx64 "\n", "riscv_virt_board.ram",
                           "4 KiB", 0, ram_size, ram_size);
}
