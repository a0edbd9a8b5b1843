/*
 * Machines: what the command line asks for, and the table of boards.
 */
#ifndef HW_BOARDS_H
#define HW_BOARDS_H

typedef struct Error Error;
typedef struct Chardev Chardev;

/* The machine as configured on the command line; filled by vl.c. */
typedef struct MachineState {
    uint64_t ram_size;
    unsigned int smp_cpus;
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

typedef struct MachineClass {
    const char *name;
    const char *desc;
    /* Build the machine: memory, CPUs, devices, boot images.  BQL held. */
    bool (*init)(MachineState *ms, Error **errp);
    uint64_t default_ram_size;
    unsigned int max_cpus;
} MachineClass;

/* The machine types, ended by a NULL name. */
extern const MachineClass *const machine_types[];
const MachineClass *find_machine(const char *name);

#endif /* HW_BOARDS_H */
