/*
 * Machines: what the command line asks for, and the table of boards.
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

typedef struct Error Error;
typedef struct Chardev Chardev;
typedef struct MachineClass MachineClass;

/*
 * -smp as the user wrote it: each has_* says whether that key was given.
 * -smp N is cpus=N.
 */
typedef struct SMPConfiguration {
    bool has_cpus, has_maxcpus, has_sockets, has_cores, has_threads;
    uint64_t cpus, maxcpus, sockets, cores, threads;
} SMPConfiguration;

/*
 * The CPU topology the machine is built with.  Hart h sits in socket
 * h / (cores * threads), core (h / threads) % cores, thread h % threads.
 * max_cpus == sockets * cores * threads >= cpus; the board creates cpus
 * harts (virt has no CPU hot-plug, so the rest only shape the topology).
 */
typedef struct CpuTopology {
    unsigned int cpus;
    unsigned int sockets;
    unsigned int cores;
    unsigned int threads;
    unsigned int max_cpus;
} CpuTopology;

/* The machine as configured on the command line; filled by vl.c. */
typedef struct MachineState {
    uint64_t ram_size;
    CpuTopology smp;
    const char *firmware;           /* -bios: NULL/"default", "none", FILE */
    const char *kernel_filename;
    const char *kernel_cmdline;
    const char *initrd_filename;
    const char *dtb;                /* -dtb FILE */
    const char *dumpdtb;            /* -M virt,dumpdtb=FILE */
    Chardev *serial;                /* serial0, or NULL */
    /* Set by the board: the flattened device tree it booted with. */
    void *fdt;
    int fdt_size;
} MachineState;

struct MachineClass {
    const char *name;
    const char *desc;
    /* Build the machine: memory, CPUs, devices, boot images.  BQL held. */
    bool (*init)(MachineState *ms, Error **errp);
    uint64_t default_ram_size;
    unsigned int max_cpus;
};

/* The machine being run, once vl.c has parsed the command line. */
extern MachineState *current_machine;

/* The machine types, ended by a NULL name. */
extern const MachineClass *const machine_types[];
const MachineClass *find_machine(const char *name);

/*
 * Turn config into *topo for machine mc, filling in what was left out
 * the way QEMU does for current machine types: missing sockets and
 * threads are 1, missing cores take the rest, missing maxcpus is the
 * product, missing cpus is maxcpus.  False, with errp set, if a value
 * is zero, the product does not match maxcpus, maxcpus < cpus, or
 * maxcpus exceeds mc->max_cpus.
 */
bool machine_parse_smp_config(const MachineClass *mc,
                              const SMPConfiguration *config,
                              CpuTopology *topo, Error **errp);

#endif /* HW_BOARDS_H */
