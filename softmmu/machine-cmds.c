/*
 * Monitor commands about the CPUs: `info registers`, `info cpus`, `info
 * jit` and QMP's query-cpus-fast.  They run in the main loop with the
 * BQL held (`info jit` takes the TB lock after it, in that order);
 * the registers of a running vCPU are read while it runs, as QEMU's
 * TCG does, so a snapshot of a running guest may be a mix of moments.
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "monitor/monitor.h"
#include "sysemu/cpus.h"
#include "hw/boards.h"
#include "exec/exec-all.h"
#include "softmmu/machine-cmds.h"

static CPUState *cpu_by_index(int index)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        if (cpu->cpu_index == index) {
            return cpu;
        }
    }
    return NULL;
}

/* info registers [-a | N]: the first vCPU, all of them, or number N. */
static void hmp_info_registers(Monitor *mon, int argc, char **argv)
{
    bool all = argc > 1 && !strcmp(argv[1], "-a");
    int index = 0;
    CPUState *cpu;

    if (argc > 1 && !all &&
        (qemu_strtoi(argv[1], NULL, 10, &index) < 0 || index < 0)) {
        monitor_printf(mon, "Error: invalid vCPU number '%s'\n", argv[1]);
        return;
    }
    CPU_FOREACH(cpu) {
        GString *buf;

        if (!all && cpu->cpu_index != index) {
            continue;
        }
        buf = g_string_new(NULL);
        if (all) {
            g_string_append_printf(buf, "\nCPU#%d\n", cpu->cpu_index);
        }
        cpu_dump_state(cpu, buf, 0);
        monitor_puts(mon, buf->str);
        g_string_free(buf, true);
    }
    if (!all && !cpu_by_index(index)) {
        monitor_printf(mon, "Error: no vCPU %d\n", index);
    }
}

static void hmp_info_cpus(Monitor *mon, int argc, char **argv)
{
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        monitor_printf(mon, "%c CPU #%d: pc=0x%016" PRIx64 "%s thread_id=%d\n",
                       cpu == first_cpu ? '*' : ' ', cpu->cpu_index,
                       (uint64_t)cpu->cc->get_pc(cpu),
                       qatomic_read(&cpu->halted) ? " (halted)" : "",
                       cpu->thread_id);
    }
}

/* Where hart index sits in the -smp topology. */
static void cpu_topology_ids(int index, unsigned *socket, unsigned *core,
                             unsigned *thread)
{
    const CpuTopology *t = &current_machine->smp;

    *socket = index / (t->cores * t->threads);
    *core = (index / t->threads) % t->cores;
    *thread = index % t->threads;
}

static JsonNode *qmp_query_cpus_fast(JsonObject *args, Error **errp)
{
    JsonArray *list = json_array_new();
    JsonNode *ret = json_node_new(JSON_NODE_ARRAY);
    CPUState *cpu;

    CPU_FOREACH(cpu) {
        JsonObject *info = json_object_new();
        JsonObject *props = json_object_new();
        g_autofree char *path =
            g_strdup_printf("/machine/soc0/harts[%d]", cpu->cpu_index);
        unsigned socket, core, thread;

        cpu_topology_ids(cpu->cpu_index, &socket, &core, &thread);
        json_object_set_int_member(info, "cpu-index", cpu->cpu_index);
        json_object_set_string_member(info, "qom-path", path);
        json_object_set_int_member(info, "thread-id", cpu->thread_id);
        json_object_set_string_member(info, "target", "riscv64");
        /* Not in QEMU's reply (its old query-cpus had it): WFI. */
        json_object_set_boolean_member(info, "halted",
                                       qatomic_read(&cpu->halted));
        json_object_set_int_member(props, "socket-id", socket);
        json_object_set_int_member(props, "core-id", core);
        json_object_set_int_member(props, "thread-id", thread);
        json_object_set_object_member(info, "props", props);
        json_array_add_object_element(list, info);
    }
    json_node_take_array(ret, list);
    return ret;
}

static const HMPCommand info_registers_cmd = {
    .name = "registers",
    .params = "[-a|N]",
    .help = "show the registers of vCPU N (default 0), or of all with -a",
    .max_args = 1,
    .fn = hmp_info_registers,
};

/* info jit: what TCG has translated, and at what cost. */
static void hmp_info_jit(Monitor *mon, int argc, char **argv)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    tcg_dump_info(buf);
    monitor_puts(mon, buf->str);
}

static const HMPCommand info_jit_cmd = {
    .name = "jit",
    .params = "",
    .help = "show the translator's statistics: blocks, code buffer, "
            "translation cost, jump cache misses",
    .fn = hmp_info_jit,
};

static const HMPCommand info_cpus_cmd = {
    .name = "cpus",
    .params = "",
    .help = "show the vCPUs",
    .fn = hmp_info_cpus,
};

static const QmpCommand query_cpus_fast_cmd = {
    .name = "query-cpus-fast",
    .fn = qmp_query_cpus_fast,
};

void machine_cmds_register(void)
{
    hmp_register_info(&info_registers_cmd);
    hmp_register_info(&info_cpus_cmd);
    hmp_register_info(&info_jit_cmd);
    qmp_register_command(&query_cpus_fast_cmd);
}
