/*
 * The gdb stub: a gdb remote serial protocol server on a chardev, so
 * that gdb (gdb-multiarch) can debug the guest as it debugs QEMU's:
 * every vCPU is a thread, all-stop, breakpoints, watchpoints, single
 * steps, memory through the MMU or physical (QEMU's
 * "maintenance packet Qqemu.PhyMemMode:1").  docs/system/gdb.rst is the
 * user's guide, gdbstub/gdbstub.c the protocol.
 *
 * Everything here runs in the main loop thread with the BQL held.
 */
#ifndef EXEC_GDBSTUB_H
#define EXEC_GDBSTUB_H

/* -s is -gdb tcp::DEFAULT_GDBSTUB_PORT. */
#define DEFAULT_GDBSTUB_PORT "1234"

/*
 * Serve gdb on device, replacing the server there was: "tcp:[HOST]:PORT"
 * (a server, not waiting for the client), "unix:PATH,server[,...]",
 * "stdio", "chardev:ID", or any of QEMU's short chardev forms (see
 * qemu_chr_new); "none" stops serving.  False with *errp if the device
 * cannot be opened (a bad address, a port in use), leaving no server.
 */
bool gdbserver_start(const char *device, Error **errp);

/*
 * The process is about to exit with status code: tell a connected gdb
 * that the inferior exited (a 'W' packet), so it can say so.
 */
void gdb_exit(int code);

/* Register the HMP command gdbserver.  Main thread, at start-up. */
void gdbstub_register_commands(void);

#endif /* EXEC_GDBSTUB_H */
