/*
 * -smp: from what the user wrote to the CPU topology (hw/boards.h).
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/boards.h"

/* The user's value of key, or def if it was not given. */
static uint64_t smp_value(bool has, uint64_t value, uint64_t def)
{
    return has ? value : def;
}

/*
 * Each value given is at least 1 and at most the machine's limit; with
 * every factor bounded so, the products below cannot overflow.
 */
static bool smp_check_bounds(const MachineClass *mc,
                             const SMPConfiguration *c, Error **errp)
{
    const struct {
        const char *name;
        bool has;
        uint64_t value;
    } keys[] = {
        { "cpus", c->has_cpus, c->cpus },
        { "maxcpus", c->has_maxcpus, c->maxcpus },
        { "sockets", c->has_sockets, c->sockets },
        { "cores", c->has_cores, c->cores },
        { "threads", c->has_threads, c->threads },
    };

    for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
        if (!keys[i].has) {
            continue;
        }
        if (keys[i].value == 0) {
            error_setg(errp, "invalid CPU topology: %s must be greater "
                       "than zero", keys[i].name);
            return false;
        }
        if (keys[i].value > mc->max_cpus) {
            error_setg(errp, "invalid CPU topology: %s=%" PRIu64 " is more "
                       "than the %u harts machine '%s' supports",
                       keys[i].name, keys[i].value, mc->max_cpus, mc->name);
            return false;
        }
    }
    return true;
}

bool machine_parse_smp_config(const MachineClass *mc,
                              const SMPConfiguration *c,
                              CpuTopology *topo, Error **errp)
{
    uint64_t sockets, cores, threads, maxcpus, cpus, product;

    if (!smp_check_bounds(mc, c, errp)) {
        return false;
    }

    sockets = smp_value(c->has_sockets, c->sockets, 1);
    threads = smp_value(c->has_threads, c->threads, 1);
    if (c->has_cores) {
        cores = c->cores;
    } else {
        /* Cores take what sockets and threads leave (QEMU since 6.2). */
        uint64_t total = c->has_maxcpus ? c->maxcpus :
                         smp_value(c->has_cpus, c->cpus, sockets * threads);

        cores = MAX(total / (sockets * threads), 1);
    }
    product = sockets * cores * threads;
    maxcpus = smp_value(c->has_maxcpus, c->maxcpus, product);
    cpus = smp_value(c->has_cpus, c->cpus, maxcpus);

    if (!c->has_maxcpus && product < cpus) {
        error_setg(errp, "invalid CPU topology: sockets (%" PRIu64 ") * "
                   "cores (%" PRIu64 ") * threads (%" PRIu64 ") = %" PRIu64
                   " is fewer than cpus (%" PRIu64 ")",
                   sockets, cores, threads, product, cpus);
        return false;
    }
    if (product != maxcpus) {
        error_setg(errp, "invalid CPU topology: sockets (%" PRIu64 ") * "
                   "cores (%" PRIu64 ") * threads (%" PRIu64 ") = %" PRIu64
                   " must equal maxcpus (%" PRIu64 ")",
                   sockets, cores, threads, product, maxcpus);
        return false;
    }
    if (maxcpus < cpus) {
        error_setg(errp, "invalid CPU topology: maxcpus (%" PRIu64 ") must "
                   "be at least cpus (%" PRIu64 ")", maxcpus, cpus);
        return false;
    }
    if (maxcpus > mc->max_cpus) {
        error_setg(errp, "invalid CPU topology: %" PRIu64 " CPUs are more "
                   "than the %u harts machine '%s' supports",
                   maxcpus, mc->max_cpus, mc->name);
        return false;
    }

    topo->cpus = cpus;
    topo->sockets = sockets;
    topo->cores = cores;
    topo->threads = threads;
    topo->max_cpus = maxcpus;
    return true;
}
