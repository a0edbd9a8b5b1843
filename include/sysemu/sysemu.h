/*
 * Machine-wide settings from the command line, for the code that reports
 * them (the monitor) and the code that uses them (the board).
 * Written once by vl.c while parsing options, before any other thread
 * starts; read-only afterwards.
 */
#ifndef SYSEMU_SYSEMU_H
#define SYSEMU_SYSEMU_H

/* -name, or NULL. */
extern const char *qemu_name;
/* -m, in bytes. */
extern uint64_t ram_size;
/* -smp */
extern unsigned int smp_cpus;

#endif /* SYSEMU_SYSEMU_H */
