/*
 * A minimal RISC-V machine for the CPU unit tests: RAM, a ROM, a test
 * device and harts, on the real memory API, run directly by the test
 * thread with cpu_exec (or by vCPU threads).
 */
#ifndef TESTS_UNIT_RISCV_TEST_MACHINE_H
#define TESTS_UNIT_RISCV_TEST_MACHINE_H

#include "exec/memory.h"
#include "target/riscv/cpu.h"
#include "riscv-asm.h"

#define TM_RAM_BASE     0x80000000ULL
#define TM_RAM_SIZE     (16 * MiB)
#define TM_ROM_BASE     0x1000ULL
#define TM_ROM_SIZE     0x1000ULL
/*
 * The test device: a write to +0 ends the run with that value; +8 counts
 * writes; reads of +16 return 0x1234 (a device register); a write to +24
 * makes the writing vCPU leave cpu_exec at its next exit request check.
 */
#define TM_DEV_BASE     0x100000ULL

typedef struct TestMachine {
    MemoryRegion ram;
    MemoryRegion rom;
    MemoryRegion dev;
    RISCVCPU *cpu[2];
    int ncpus;
    bool single_thread;     /* -accel tcg,thread=single (GRACE_TEST_ACCEL) */
    /* Written by the test device (BQL), read by the test. */
    bool finished;
    uint64_t result;
    unsigned writes;
    /*
     * tm_run's returns from cpu_exec before the end (kicks, interrupts),
     * and a hash of hart 0's pc and registers at each: where a vCPU
     * leaves, its register file must be current.
     */
    unsigned exits;
    uint64_t exit_hash;
} TestMachine;

extern TestMachine tm;

/* Build the machine with ncpus harts (once per test program). */
void tm_init(int ncpus);
/*
 * Sleep about ms milliseconds without the BQL, running the main loop's
 * due timers and bottom halves meanwhile, as the main thread would.
 */
void tm_wait(int ms);
/* Has the guest written the test device?  (Then tm.result is valid.) */
bool tm_finished(void);
/* Reset every hart and clear RAM, for the next test case. */
void tm_reset(void);
/* Copy code to guest physical memory. */
void tm_load(const Asm *a);
/* Guest physical memory as seen by a device. */
uint64_t tm_read64(uint64_t addr);
void tm_write64(uint64_t addr, uint64_t val);
uint32_t tm_read32(uint64_t addr);
void tm_write32(uint64_t addr, uint32_t val);

/*
 * Run hart 0 from pc in M-mode with cpu_exec until the guest writes the
 * test device (returning the value written), or until cpu_exec returns
 * halt_result-worthy EXCP_HLT/EXCP_HALTED (returning UINT64_MAX).  Fails
 * the test if nothing happens within a generous time.
 */
uint64_t tm_run(uint64_t pc);

/* Emit code that writes rs to the test device and spins. */
void tm_asm_finish(Asm *a, int rs);

static inline CPURISCVState *tm_env(void)
{
    return &tm.cpu[0]->env;
}

#endif /* TESTS_UNIT_RISCV_TEST_MACHINE_H */
