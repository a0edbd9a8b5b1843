/*
 * The CPU unit tests' machine (riscv-test-machine.h).
 */
#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "qemu/accel.h"
#include "exec/exec-all.h"
#include "sysemu/cpus.h"
#include "riscv-test-machine.h"

TestMachine tm;

static uint64_t dev_read(void *opaque, hwaddr addr, unsigned size)
{
    return addr == 16 ? 0x1234 : 0;
}

static void dev_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    g_assert_true(qemu_mutex_iothread_locked());
    if (addr == 0) {
        tm.result = val;
        /* Pairs with the load-acquire in tm_finished. */
        qatomic_store_release(&tm.finished, true);
        if (current_cpu) {
            cpu_exit(current_cpu);
        }
    } else if (addr == 8) {
        tm.writes++;
    } else if (addr == 24 && current_cpu) {
        /* A kick: leave cpu_exec at the next check, as for an interrupt */
        cpu_exit(current_cpu);
    }
}

static const MemoryRegionOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .valid = { .min_access_size = 1, .max_access_size = 8 },
    .impl = { .min_access_size = 1, .max_access_size = 8 },
};

/*
 * The accelerator: GRACE_TEST_ACCEL holds an -accel argument
 * ("tcg,thread=single"), so that one program tests both threading modes.
 */
static void tm_init_accel(void)
{
    const char *spec = g_getenv("GRACE_TEST_ACCEL");
    g_autoptr(QemuOpts) opts = NULL;

    if (!spec) {
        accel_init_machine("tcg", NULL, &error_abort);
        return;
    }
    opts = qemu_opts_parse(spec, "accel", &error_abort);
    accel_init_machine(qemu_opt_get(opts, "accel"), opts, &error_abort);
    tm.single_thread = !g_strcmp0(qemu_opt_get(opts, "thread"), "single");
}

void tm_init(int ncpus)
{
    MemoryRegion *sysmem = get_system_memory();

    qemu_init_main_loop(&error_abort);
    tm_init_accel();
    qemu_mutex_lock_iothread();
    memory_region_init_ram(&tm.ram, NULL, "test.ram", TM_RAM_SIZE,
                           &error_abort);
    memory_region_add_subregion(sysmem, TM_RAM_BASE, &tm.ram);
    memory_region_init_rom(&tm.rom, NULL, "test.rom", TM_ROM_SIZE,
                           &error_abort);
    memory_region_add_subregion(sysmem, TM_ROM_BASE, &tm.rom);
    memory_region_init_io(&tm.dev, NULL, &dev_ops, NULL, "test.dev", 0x1000);
    memory_region_add_subregion(sysmem, TM_DEV_BASE, &tm.dev);
    for (int i = 0; i < ncpus; i++) {
        tm.cpu[i] = riscv_cpu_new(i, &error_abort);
    }
    tm.ncpus = ncpus;
    /* Virtual time runs, as after vm_start: timers on it can fire. */
    cpu_enable_ticks();
    qemu_mutex_unlock_iothread();
}

void tm_wait(int ms)
{
    int64_t end = g_get_monotonic_time() + ms * 1000;

    do {
        qemu_mutex_lock_iothread();
        main_loop_wait(true);
        qemu_mutex_unlock_iothread();
        g_usleep(MIN(1000, MAX(end - g_get_monotonic_time(), 0)));
    } while (g_get_monotonic_time() < end);
}

bool tm_finished(void)
{
    return qatomic_load_acquire(&tm.finished);
}

void tm_reset(void)
{
    memset(memory_region_get_ram_ptr(&tm.ram), 0, TM_RAM_SIZE);
    qemu_mutex_lock_iothread();
    for (int i = 0; i < tm.ncpus; i++) {
        cpu_reset(CPU(tm.cpu[i]));
    }
    qemu_mutex_unlock_iothread();
    tm.finished = false;
    tm.result = 0;
    tm.writes = 0;
    tm.exits = 0;
    tm.exit_hash = 0;
}

void tm_load(const Asm *a)
{
    g_assert_cmpint(address_space_write_rom(&address_space_memory, a->base,
                                            MEMTXATTRS_UNSPECIFIED, a->code,
                                            a->len), ==, MEMTX_OK);
}

uint64_t tm_read64(uint64_t addr)
{
    return ldq_le_phys(&address_space_memory, addr);
}

void tm_write64(uint64_t addr, uint64_t val)
{
    stq_le_phys(&address_space_memory, addr, val);
}

uint32_t tm_read32(uint64_t addr)
{
    return ldl_le_phys(&address_space_memory, addr);
}

void tm_write32(uint64_t addr, uint32_t val)
{
    stl_le_phys(&address_space_memory, addr, val);
}

void tm_asm_finish(Asm *a, int rs)
{
    asm_li(a, T6, TM_DEV_BASE);
    a32(a, SD(rs, T6, 0));
    a32(a, JAL(X0, 0));
}

/* Kicks the hart out of a runaway guest after a generous time. */
static QemuMutex watchdog_lock;
static QemuCond watchdog_cond;
static bool watchdog_done, watchdog_fired;

static void *watchdog_fn(void *arg)
{
    int64_t deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;

    qemu_mutex_lock(&watchdog_lock);
    while (!watchdog_done) {
        int64_t left = deadline - g_get_monotonic_time();

        if (left <= 0) {
            watchdog_fired = true;
            cpu_exit(CPU(tm.cpu[0]));
            break;
        }
        qemu_cond_timedwait(&watchdog_cond, &watchdog_lock,
                            left / 1000 + 1);
    }
    qemu_mutex_unlock(&watchdog_lock);
    return NULL;
}

uint64_t tm_run(uint64_t pc)
{
    CPUState *cs = CPU(tm.cpu[0]);
    QemuThread watchdog;
    uint64_t ret = UINT64_MAX;
    static bool initialised;

    if (!initialised) {
        qemu_mutex_init(&watchdog_lock);
        qemu_cond_init(&watchdog_cond);
        initialised = true;
    }
    watchdog_done = watchdog_fired = false;
    qemu_thread_create(&watchdog, "watchdog", watchdog_fn, NULL,
                       QEMU_THREAD_JOINABLE);

    tm_env()->pc = pc;
    for (;;) {
        int r = cpu_exec(cs);

        if (tm_finished()) {
            ret = tm.result;
            break;
        }
        if (r == EXCP_HLT || r == EXCP_HALTED || watchdog_fired) {
            break;
        }
        tm.exits++;
        tm.exit_hash = tm.exit_hash * 31 + tm_env()->pc;
        for (int i = 0; i < 32; i++) {
            tm.exit_hash = tm.exit_hash * 31 + tm_env()->gpr[i];
        }
        /* EXCP_INTERRUPT: queued work, as the vCPU thread would run it. */
        qemu_mutex_lock_iothread();
        process_queued_cpu_work(cs);
        qemu_mutex_unlock_iothread();
    }

    qemu_mutex_lock(&watchdog_lock);
    watchdog_done = true;
    qemu_cond_signal(&watchdog_cond);
    qemu_mutex_unlock(&watchdog_lock);
    qemu_thread_join(&watchdog);
    g_assert_false(watchdog_fired);
    return ret;
}
