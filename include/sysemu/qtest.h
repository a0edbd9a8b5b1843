/*
 * qtest: driving the machine from outside, with QEMU's line protocol, for
 * device tests (docs/devel/qtest.rst).
 *
 * -accel qtest (accel/qtest) builds the machine without executing guest
 * code and hands the virtual clock to the test; -qtest CHARDEV
 * (softmmu/qtest.c) serves the protocol on a character device.
 */
#ifndef SYSEMU_QTEST_H
#define SYSEMU_QTEST_H

typedef struct Error Error;
typedef struct Chardev Chardev;

/* True once -accel qtest is the accelerator: clock_step/clock_set work. */
bool qtest_enabled(void);

/*
 * Serve the protocol on the chardev described by spec, in -qtest's legacy
 * syntax: "unix:PATH" (connect to PATH, as QEMU's libqtest expects),
 * "unix:PATH,server[,wait=off]", "tcp:HOST:PORT[,server...]", "stdio",
 * "chardev:ID".  Once per process.  BQL held; false with errp set.
 */
bool qtest_server_init(const char *spec, Error **errp);

/* The same on an existing chardev (for tests of the server itself). */
bool qtest_server_init_chardev(Chardev *chr, Error **errp);

#endif /* SYSEMU_QTEST_H */
