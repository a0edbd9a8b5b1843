/*
 * qtest: driving the machine from outside, with QEMU's line protocol, for
 * device tests.
 *
 * -accel qtest (accel/qtest) builds the machine without executing guest
 * code and hands the virtual clock to the test.
 */
#ifndef SYSEMU_QTEST_H
#define SYSEMU_QTEST_H

/* True once -accel qtest is the accelerator: clock_step/clock_set work. */
bool qtest_enabled(void);

#endif /* SYSEMU_QTEST_H */
