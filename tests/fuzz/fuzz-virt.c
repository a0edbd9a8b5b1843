/*
 * A libFuzzer target over the guest-facing side of the virt board, in
 * the spirit of QEMU's generic-fuzz: the real machine (virt_machine.init,
 * with a virtio-blk disk, a virtio-rng and a virtio-mem with 16 MiB it
 * may plug added as -object and -device would), built
 * once in the process, and each input turned into what a hostile guest
 * can do to the devices:
 *
 *   MMIO reads and writes of 1, 2, 4 or 8 bytes anywhere in a device's
 *   window, dispatched whole as a vCPU's load or store is;
 *   guest RAM contents, which the virtio devices read as descriptors,
 *   rings and request headers and write their replies into;
 *   a virtio queue set up the way a driver does it, pointing into RAM;
 *   virtual-clock steps (timers fire at their deadlines, in order);
 *   bytes arriving on the UART's backend;
 *   the PLIC's source lines going up and down, as devices drive them.
 *
 * The machine runs on the qtest accelerator: its vCPU thread never
 * executes guest code, and the virtual clock moves only when an input
 * steps it.  All guest behaviour comes from the input.
 * GRACE_FUZZ_DEVICE=NAME[,NAME...] restricts the accesses to some devices
 * (the add_region calls below name them; default: all), so that a
 * bounded run per device reaches each one's corners.
 *
 * Besides the sanitizers, every input ends with a system reset, and the
 * devices must then read as at power-on: a device that keeps state
 * across reset is a finding too.
 *
 * Input: a sequence of operations, each an opcode byte (modulo the number
 * of operations) and its little-endian operands; a truncated last one is
 * dropped.  tests/fuzz/virt-seeds.py writes seeds in this format.
 *
 *   0 READ     region:u8 size:u8 offset:u32
 *   1 WRITE    region:u8 size:u8 offset:u32 value:u64
 *   2 RAM      offset:u16 len:u8 bytes[len]     (within the first 64 KiB)
 *   3 CLOCK    ns:u32                           (virtual clock step)
 *   4 RX       len:u8 bytes[len]                (to the UART)
 *   5 VIRTQ    region:u8 queue:u8 num:u8 desc:u16 avail:u16 used:u16
 *              features:u64                     (driver setup, v2)
 *   6 IRQ      source:u8 level:u8               (a PLIC input; with plic)
 *
 * region picks one of the selected devices' windows (modulo their
 * number); size is 1 << (size % 4); offsets are taken modulo the window
 * and aligned down to the size.
 */
#include "qemu/osdep.h"
#include "qemu/accel.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "chardev/char.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/device-add.h"
#include "hw/irq.h"
#include "hw/riscv/virt.h"
#include "hw/virtio/virtio-mmio.h"
#include "sysemu/blockdev.h"
#include "sysemu/hostmem.h"
#include "sysemu/runstate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* The profile runtime's (-fprofile-instr-generate), if linked in. */
void __llvm_profile_reset_counters(void) __attribute__((weak));

static MachineState ms;

/* What softmmu/vl.c defines for the libraries. */
const char *qemu_name;
uint64_t ram_size;
unsigned int smp_cpus = 1;
MachineState *current_machine = &ms;

#define FUZZ_RAM_SIZE   (2 * MiB)
#define RAM_WINDOW      (64 * KiB)      /* what RAM and VIRTQ address */
#define DISK_SIZE       (64 * KiB)
#define MAX_REGIONS     16

enum {
    OP_READ, OP_WRITE, OP_RAM, OP_CLOCK, OP_RX, OP_VIRTQ, OP_IRQ, OP_MAX
};

typedef struct Region {
    const char *device;
    hwaddr base;
    hwaddr size;
    bool virtio;
} Region;

/* The windows the input may touch (those of the selected devices). */
static Region regions[MAX_REGIONS];
static int nregions;
static bool uart_selected;
static const qemu_irq *plic_inputs;     /* NULL unless plic is selected */
static int plic_ninputs;
static uint8_t irq_raised[256];         /* lines this input left high */
static Chardev *serial;
static uint8_t *ram;            /* the board's RAM, as the host sees it */

/* virtio-mmio registers used by VIRTQ and the reset check. */
enum {
    VMMIO_DEVICE_ID = 0x008, VMMIO_DEV_FEATURES_SEL = 0x014,
    VMMIO_DRV_FEATURES = 0x020, VMMIO_DRV_FEATURES_SEL = 0x024,
    VMMIO_QUEUE_SEL = 0x030, VMMIO_QUEUE_NUM = 0x038,
    VMMIO_QUEUE_READY = 0x044, VMMIO_STATUS = 0x070,
    VMMIO_DESC_LO = 0x080, VMMIO_DESC_HI = 0x084,
    VMMIO_AVAIL_LO = 0x090, VMMIO_AVAIL_HI = 0x094,
    VMMIO_USED_LO = 0x0a0, VMMIO_USED_HI = 0x0a4,
};

static hwaddr virtio_slot_base(int slot)
{
    return virt_memmap[VIRT_VIRTIO].base + slot * virt_memmap[VIRT_VIRTIO].size;
}

/*
 * One access of size bytes at addr, dispatched whole as a vCPU does
 * (accel/tcg/cputlb.c's io_access): nothing mapped there, or an access
 * running off the end of its region, is a bus error.
 */
static MemTxResult mmio(hwaddr addr, uint64_t *val, unsigned size,
                        bool is_write)
{
    hwaddr xlat, len = size;
    MemoryRegion *mr = address_space_translate(&address_space_memory, addr,
                                               &xlat, &len, is_write,
                                               MEMTXATTRS_UNSPECIFIED);

    if (!mr || len < size) {
        return MEMTX_DECODE_ERROR;
    }
    if (is_write) {
        return memory_region_dispatch_write(mr, xlat, *val, size_memop(size),
                                            MEMTXATTRS_UNSPECIFIED);
    }
    return memory_region_dispatch_read(mr, xlat, val, size_memop(size),
                                       MEMTXATTRS_UNSPECIFIED);
}

static uint32_t rd32(hwaddr addr)
{
    uint64_t val = 0;

    mmio(addr, &val, 4, false);
    return val;
}

static void wr32(hwaddr addr, uint32_t val)
{
    uint64_t v = val;

    mmio(addr, &v, 4, true);
}

/* The slot whose transport holds a device of this virtio ID. */
static int find_virtio_slot(uint32_t device_id)
{
    for (int slot = 0; slot < VIRTIO_COUNT; slot++) {
        if (rd32(virtio_slot_base(slot) + VMMIO_DEVICE_ID) == device_id) {
            return slot;
        }
    }
    g_assert_not_reached();
}

static bool selected(const char *name)
{
    const char *want = getenv("GRACE_FUZZ_DEVICE");
    g_auto(GStrv) names = NULL;

    if (!want || !*want || !strcmp(want, "all")) {
        return true;
    }
    names = g_strsplit(want, ",", -1);
    return g_strv_contains((const char *const *)names, name);
}

static void add_region(const char *device, hwaddr base, hwaddr size,
                       bool virtio)
{
    if (!selected(device)) {
        return;
    }
    g_assert(nregions < MAX_REGIONS);
    regions[nregions++] = (Region) {
        .device = device, .base = base, .size = size, .virtio = virtio,
    };
}

static void make_disk(void)
{
    g_autofree char *path = NULL;
    g_autofree char *spec = NULL;
    GError *gerr = NULL;
    int fd = g_file_open_tmp("grace-fuzz-disk-XXXXXX.img", &path, &gerr);

    if (fd < 0 || ftruncate(fd, DISK_SIZE) < 0) {
        fprintf(stderr, "fuzz-virt: cannot make the disk image: %s\n",
                gerr ? gerr->message : strerror(errno));
        exit(1);
    }
    close(fd);
    spec = g_strdup_printf("file=%s,format=raw,if=none,id=fuzz-disk", path);
    drive_new(spec, &error_abort);
    /* The backend keeps its descriptor: the name can go now. */
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const MemMapEntry *m = virt_memmap;

    accel_init_machine("qtest", NULL, &error_abort);
    qemu_init_main_loop(&error_abort);
    qemu_mutex_lock_iothread();
    ms.ram_size = ram_size = FUZZ_RAM_SIZE;
    ms.smp = (CpuTopology) {
        .cpus = 1, .sockets = 1, .cores = 1, .threads = 1, .max_cpus = 1,
    };
    ms.firmware = "none";
    /* Big enough that it never fills in one input; drained after each. */
    serial = qemu_chardev_new_from_spec("ringbuf,id=serial0,size=64K",
                                        &error_abort);
    ms.serial = serial;
    if (!virt_machine.init(&ms, &error_abort)) {
        return 1;
    }
    {
        hwaddr xlat, len = FUZZ_RAM_SIZE;
        MemoryRegion *mr = address_space_translate(
            &address_space_memory, virt_memmap[VIRT_DRAM].base, &xlat, &len,
            true, MEMTXATTRS_UNSPECIFIED);

        g_assert(len == FUZZ_RAM_SIZE);
        ram = (uint8_t *)memory_region_get_ram_ptr(mr) + xlat;
    }
    make_disk();
    device_add_from_str("virtio-blk-device,drive=fuzz-disk", &error_abort);
    device_add_from_str("virtio-rng-device", &error_abort);
    /*
     * Plugging maps RAM blocks into the device memory area and unplugging
     * retires them through RCU, as under a running guest; the reset at
     * the end of every input unplugs everything.
     */
    object_add_from_str("memory-backend-ram,id=fuzz-mem,size=32M",
                        &error_abort);
    device_add_from_str("virtio-mem-device,memdev=fuzz-mem,"
                        "requested-size=16M", &error_abort);

    add_region("clint", m[VIRT_CLINT].base, m[VIRT_CLINT].size, false);
    add_region("plic", m[VIRT_PLIC].base, m[VIRT_PLIC].size, false);
    add_region("uart", m[VIRT_UART0].base, m[VIRT_UART0].size, false);
    add_region("rtc", m[VIRT_RTC].base, m[VIRT_RTC].size, false);
    add_region("test", m[VIRT_TEST].base, m[VIRT_TEST].size, false);
    add_region("virtio-blk", virtio_slot_base(find_virtio_slot(2)),
               VIRTIO_MMIO_SIZE, true);
    add_region("virtio-rng", virtio_slot_base(find_virtio_slot(4)),
               VIRTIO_MMIO_SIZE, true);
    add_region("virtio-mem", virtio_slot_base(find_virtio_slot(24)),
               VIRTIO_MMIO_SIZE, true);
    add_region("virtio-mmio", virtio_slot_base(0), VIRTIO_MMIO_SIZE, true);
    uart_selected = selected("uart");
    if (selected("plic")) {
        g_autofree char *path = g_strdup_printf("/soc/plic@%" PRIx64,
                                                m[VIRT_PLIC].base);

        plic_inputs = qemu_irq_find_published(path, false, &plic_ninputs);
        g_assert(plic_inputs);
    }
    if (!nregions) {
        fprintf(stderr, "fuzz-virt: GRACE_FUZZ_DEVICE=%s selects no device "
                "(clint, plic, uart, rtc, test, virtio-blk, virtio-rng, "
                "virtio-mem, virtio-mmio, all)\n",
                getenv("GRACE_FUZZ_DEVICE"));
        exit(1);
    }
    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    /* Source coverage counts what the inputs reach, not the set-up. */
    if (__llvm_profile_reset_counters) {
        __llvm_profile_reset_counters();
    }
    return 0;
}

/* Input cursor. */
typedef struct Input {
    const uint8_t *p;
    size_t left;
} Input;

static bool take(Input *in, void *buf, size_t n)
{
    if (in->left < n) {
        return false;
    }
    memcpy(buf, in->p, n);
    in->p += n;
    in->left -= n;
    return true;
}

#define TAKE(in, var) take(in, &(var), sizeof(var))

static const Region *pick_region(uint8_t index, bool virtio_only)
{
    int n = 0;

    for (int i = 0; i < nregions; i++) {
        n += !virtio_only || regions[i].virtio;
    }
    if (!n) {
        return NULL;
    }
    index %= n;
    for (int i = 0; i < nregions; i++) {
        if ((!virtio_only || regions[i].virtio) && index-- == 0) {
            return &regions[i];
        }
    }
    g_assert_not_reached();
}

static void op_access(Input *in, bool is_write)
{
    uint8_t r, sz;
    uint32_t offset;
    uint64_t val = 0;
    const Region *region;
    unsigned size;

    if (!TAKE(in, r) || !TAKE(in, sz) || !TAKE(in, offset) ||
        (is_write && !TAKE(in, val))) {
        return;
    }
    region = pick_region(r, false);
    size = 1u << (sz % 4);
    offset = (offset % region->size) & ~(size - 1);
    mmio(region->base + offset, &val, size, is_write);
}

static void op_ram(Input *in)
{
    uint16_t offset;
    uint8_t len;
    uint8_t buf[256];

    if (!TAKE(in, offset) || !TAKE(in, len) || !take(in, buf, len)) {
        return;
    }
    address_space_write(&address_space_memory,
                        virt_memmap[VIRT_DRAM].base + offset,
                        MEMTXATTRS_UNSPECIFIED, buf, len);
}

static void op_clock(Input *in)
{
    uint32_t ns;

    if (!TAKE(in, ns)) {
        return;
    }
    qemu_clock_advance_virtual(qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + ns);
}

static void op_rx(Input *in)
{
    uint8_t len;
    uint8_t buf[256];

    if (!TAKE(in, len) || !take(in, buf, len) || !uart_selected) {
        return;
    }
    len = MIN(len, qemu_chr_be_can_write(serial));
    if (len) {
        qemu_chr_be_write(serial, buf, len);
    }
}

/* A device raising or lowering its PLIC source line. */
static void op_irq(Input *in)
{
    uint8_t source, level;
    qemu_irq line;

    if (!TAKE(in, source) || !TAKE(in, level) || !plic_inputs) {
        return;
    }
    source %= plic_ninputs;
    line = plic_inputs[source];
    qemu_set_irq(line, level & 1);
    irq_raised[source] = level & 1;
}

/* The modern driver sequence, with the input's queue layout. */
static void op_virtq(Input *in)
{
    uint8_t r, queue, num;
    uint16_t desc, avail, used;
    uint64_t features;
    const Region *region;
    hwaddr b, ram = virt_memmap[VIRT_DRAM].base;

    if (!TAKE(in, r) || !TAKE(in, queue) || !TAKE(in, num) ||
        !TAKE(in, desc) || !TAKE(in, avail) || !TAKE(in, used) ||
        !TAKE(in, features)) {
        return;
    }
    region = pick_region(r, true);
    if (!region) {
        return;
    }
    b = region->base;
    wr32(b + VMMIO_STATUS, 0);
    wr32(b + VMMIO_STATUS, 1);                  /* ACKNOWLEDGE */
    wr32(b + VMMIO_STATUS, 3);                  /* DRIVER */
    wr32(b + VMMIO_DRV_FEATURES_SEL, 1);
    wr32(b + VMMIO_DRV_FEATURES, features >> 32);
    wr32(b + VMMIO_DRV_FEATURES_SEL, 0);
    wr32(b + VMMIO_DRV_FEATURES, features);
    wr32(b + VMMIO_STATUS, 0xb);                /* FEATURES_OK */
    wr32(b + VMMIO_QUEUE_SEL, queue);
    wr32(b + VMMIO_QUEUE_NUM, num);
    wr32(b + VMMIO_DESC_LO, ram + desc);
    wr32(b + VMMIO_DESC_HI, (ram + desc) >> 32);
    wr32(b + VMMIO_AVAIL_LO, ram + avail);
    wr32(b + VMMIO_AVAIL_HI, (ram + avail) >> 32);
    wr32(b + VMMIO_USED_LO, ram + used);
    wr32(b + VMMIO_USED_HI, (ram + used) >> 32);
    wr32(b + VMMIO_QUEUE_READY, 1);
    wr32(b + VMMIO_STATUS, 0xf);                /* DRIVER_OK */
}

static QEMU_NORETURN void reset_failure(const char *what, uint64_t got,
                                        uint64_t want)
{
    fprintf(stderr, "fuzz-virt: after a system reset, %s reads 0x%" PRIx64
            ", expected 0x%" PRIx64 "\n", what, got, want);
    abort();
}

static void expect32(const char *what, hwaddr addr, uint32_t want)
{
    uint32_t got = rd32(addr);

    if (got != want) {
        reset_failure(what, got, want);
    }
}

/* Power-on values a reset must bring back, whatever the input did. */
static void check_reset_state(void)
{
    const MemMapEntry *m = virt_memmap;
    uint64_t lsr = 0;

    expect32("CLINT msip0", m[VIRT_CLINT].base, 0);
    expect32("CLINT mtimecmp0", m[VIRT_CLINT].base + 0x4000, 0);
    expect32("PLIC priority 1", m[VIRT_PLIC].base + 4, 0);
    expect32("PLIC context 0 enables", m[VIRT_PLIC].base + 0x2000, 0);
    expect32("PLIC context 0 threshold", m[VIRT_PLIC].base + 0x200000, 0);
    expect32("PLIC context 0 claim", m[VIRT_PLIC].base + 0x200004, 0);
    mmio(m[VIRT_UART0].base + 5, &lsr, 1, false);
    if (lsr != 0x60) {
        reset_failure("UART LSR", lsr, 0x60);
    }
    expect32("RTC IRQ_ENABLED", m[VIRT_RTC].base + 0x10, 0);
    expect32("RTC ALARM_STATUS", m[VIRT_RTC].base + 0x18, 0);
    for (int slot = 0; slot < VIRTIO_COUNT; slot++) {
        expect32("virtio-mmio Status", virtio_slot_base(slot) + VMMIO_STATUS,
                 0);
        wr32(virtio_slot_base(slot) + VMMIO_QUEUE_SEL, 0);
        expect32("virtio-mmio QueueReady",
                 virtio_slot_base(slot) + VMMIO_QUEUE_READY, 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in = { .p = data, .left = size };
    g_autofree char *out = NULL;
    uint8_t op;
    int status;

    /* Every input starts from the same machine (the disk's contents
     * aside: they steer nothing). */
    memset(ram, 0, FUZZ_RAM_SIZE);

    while (TAKE(&in, op)) {
        switch (op % OP_MAX) {
        case OP_READ:
            op_access(&in, false);
            break;
        case OP_WRITE:
            op_access(&in, true);
            break;
        case OP_RAM:
            op_ram(&in);
            break;
        case OP_CLOCK:
            op_clock(&in);
            break;
        case OP_RX:
            op_rx(&in);
            break;
        case OP_VIRTQ:
            op_virtq(&in);
            break;
        case OP_IRQ:
            op_irq(&in);
            break;
        }
    }
    /* Bottom halves and due host-clock timers; then the guest's requests
     * (the finisher's shutdown or reset) as the main loop would take
     * them, except that nothing exits. */
    main_loop_wait(true);
    main_loop_should_exit(&status);
    /* The next input finds the lines this one raised low again. */
    for (int i = 0; i < plic_ninputs; i++) {
        if (irq_raised[i]) {
            qemu_set_irq(plic_inputs[i], 0);
            irq_raised[i] = 0;
        }
    }

    qemu_system_reset(SHUTDOWN_CAUSE_NONE);
    check_reset_state();
    out = qemu_chr_ringbuf_read(serial);
    return 0;
}
