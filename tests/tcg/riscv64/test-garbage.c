/*
 * test-garbage.c: a guest that writes nonsense to every register of every
 * device and programs the virtio queues with nonsense, and must reach its
 * end.  The emulator is expected to log what it refuses (-d guest_errors)
 * and carry on; a device that crashes it, hangs it or stops the machine
 * fails the test.
 *
 * Every access is aligned, of 1, 2, 4 or 8 bytes, and may be refused with
 * an access fault (cause 5 or 7 at that address), which is what a bus
 * error looks like to the hart; any other trap is a failure.  The values
 * come from a fixed-seed generator: all-ones, zero, small numbers and
 * random bits.
 *
 * What the guest cannot survive on real hardware is left out: the
 * finisher's three commands (pass, fail, reset), and DMA into the
 * program's own memory.  Every address the virtio devices are given lies
 * in an arena allocated last (what lies beyond it is free memory too) or
 * far beyond any memory (2^48 and up).
 *
 * A few things must hold throughout, on any emulator: virtio-mmio's magic
 * value, vendor and device IDs never change; a status write of 0 resets a
 * device; the UART's scratch register and the CLINT's msip bit 0 read
 * back what was written; and the console works again once the UART is
 * set up afresh.
 */
#include "runtime.h"

#define VIRTIO_BASE(slot)   (0x10001000 + 0x1000 * (slot))
#define VIRTIO_SLOTS        8
#define VIRT_RTC_BASE       0x101000
#define ARENA_PAGES         16
#define FAR_AWAY            (UINT64_C(1) << 48)

/* virtio-mmio registers */
#define VMMIO_MAGIC         0x000
#define VMMIO_VERSION       0x004
#define VMMIO_DEVICE_ID     0x008
#define VMMIO_VENDOR_ID     0x00c
#define VMMIO_STATUS        0x070
#define VMMIO_QUEUE_READY   0x044

static uint64_t rng = 0x243f6a8885a308d3;       /* fixed: reproducible */
static uint8_t *arena;
static unsigned long accesses, faults;

static uint64_t rnd(void)
{
    /* xorshift64* */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * UINT64_C(0x2545f4914f6cdd1d);
}

/* What a careless driver writes. */
static uint64_t garbage(void)
{
    switch (rnd() % 5) {
    case 0:
        return ~UINT64_C(0);
    case 1:
        return 0;
    case 2:
        return rnd() & 0xff;
    case 3:
        return 1ULL << (rnd() % 64);
    default:
        return rnd();
    }
}

/* An address for a device to DMA to: in the arena or far beyond RAM. */
static uint64_t dma_addr(void)
{
    if (rnd() % 4 == 0) {
        return FAR_AWAY + (rnd() & 0xffffffffff);
    }
    return (uintptr_t)arena + rnd() % (ARENA_PAGES * PAGE_SIZE);
}

/*
 * One access of size bytes; a refusal must be an access fault at addr.
 * Returns false if it faulted (*val is then left alone).
 */
static bool poke(uintptr_t addr, unsigned size, bool write, uint64_t *val)
{
    uint64_t v = write ? *val : 0;

    accesses++;
    trap_expect();
    switch (size) {
    case 1:
        if (write) {
            *(volatile uint8_t *)addr = v;
        } else {
            v = *(volatile uint8_t *)addr;
        }
        break;
    case 2:
        if (write) {
            *(volatile uint16_t *)addr = v;
        } else {
            v = *(volatile uint16_t *)addr;
        }
        break;
    case 4:
        if (write) {
            *(volatile uint32_t *)addr = v;
        } else {
            v = *(volatile uint32_t *)addr;
        }
        break;
    default:
        if (write) {
            *(volatile uint64_t *)addr = v;
        } else {
            v = *(volatile uint64_t *)addr;
        }
        break;
    }
    if (trap_last.count) {
        CHECK_TRAP(write ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, addr,
                   "%s of %u bytes at %lx refused", write ? "store" : "load",
                   size, (unsigned long)addr);
        faults++;
        return false;
    }
    if (!write) {
        *val = v;
    }
    return true;
}

static void garbage_write(uintptr_t addr, unsigned size)
{
    uint64_t v = garbage();

    poke(addr, size, true, &v);
}

static uint64_t garbage_read(uintptr_t addr, unsigned size)
{
    uint64_t v = 0;

    poke(addr, size, false, &v);
    return v;
}

/* Every size at an aligned address: write garbage, read it back. */
static void hammer(uintptr_t addr)
{
    for (unsigned size = 1; size <= 8; size *= 2) {
        uintptr_t a = addr & ~(uintptr_t)(size - 1);

        garbage_write(a, size);
        garbage_read(a, size);
    }
}

/* Each register (every 4 bytes of [base, base + len)), then random
 * places anywhere in the device's window. */
static void hammer_device(uintptr_t base, size_t len, size_t window,
                          int random_rounds)
{
    for (size_t off = 0; off < len; off += 4) {
        hammer(base + off);
    }
    for (int i = 0; i < random_rounds; i++) {
        hammer(base + rnd() % window);
    }
}

static void test_clint(void)
{
    uint64_t v;

    test_section("CLINT: msip, mtimecmp, mtime and the gaps");
    hammer_device(VIRT_CLINT_BASE, 0x40, 0x10000, 200);
    hammer_device(VIRT_CLINT_BASE + 0x4000, 0x40, 0x10000, 0);
    hammer_device(VIRT_CLINT_BASE + 0xbff0, 0x10, 0x10000, 0);
    for (int i = 0; i < 4; i++) {
        v = garbage();
        mmio_write32(CLINT_MSIP(0), v);
        CHECK_EQ(mmio_read32(CLINT_MSIP(0)), v & 1, "msip bit 0 of %lx",
                 (unsigned long)v);
    }
    mmio_write32(CLINT_MSIP(0), 0);
    mmio_write64(CLINT_MTIMECMP(0), ~UINT64_C(0));
}

static void test_plic(void)
{
    test_section("PLIC: priorities, pending, enables, thresholds, claims");
    hammer_device(VIRT_PLIC_BASE, 4 * 128, 0x600000, 500);
    hammer_device(VIRT_PLIC_BASE + 0x1000, 0x10, 0x600000, 0);
    hammer_device(PLIC_ENABLE(0), 0x10, 0x600000, 0);
    hammer_device(PLIC_ENABLE(1), 0x10, 0x600000, 0);
    hammer_device(PLIC_THRESHOLD(0), 0x10, 0x600000, 0);
    hammer_device(PLIC_THRESHOLD(1), 0x10, 0x600000, 0);
    /* Claims of whatever is pending, completions of nonsense. */
    for (int i = 0; i < 64; i++) {
        uint64_t id = garbage_read(PLIC_CLAIM(i & 1), 4);

        garbage_write(PLIC_CLAIM(i & 1), 4);
        mmio_write32(PLIC_CLAIM(i & 1), id);
    }
    for (int src = 0; src < 128; src++) {
        poke(PLIC_PRIORITY(src), 4, true, &(uint64_t){ 0 });
    }
}

/* 8N1, no interrupts, FIFOs on and empty, no loopback; RX drained. */
static void uart_sane(void)
{
    mmio_write8(VIRT_UART0_BASE + 3, 0x03);
    mmio_write8(VIRT_UART0_BASE + 1, 0x00);
    mmio_write8(VIRT_UART0_BASE + 2, 0x07);
    mmio_write8(VIRT_UART0_BASE + 4, 0x00);
    for (int i = 0; i < 1024 && (mmio_read8(VIRT_UART0_BASE + 5) & 1); i++) {
        mmio_read8(VIRT_UART0_BASE);
    }
}

static void test_uart(void)
{
    uint8_t scr[8];

    test_section("UART: every register, with and without DLAB");
    /* No printing until the UART is sane again. */
    for (int round = 0; round < 50; round++) {
        hammer_device(VIRT_UART0_BASE, 8, 0x100, 4);
        mmio_write8(VIRT_UART0_BASE + 3, rnd() & 0x80 ? 0x83 : 0x03);
        hammer_device(VIRT_UART0_BASE, 8, 0x100, 0);
    }
    mmio_write8(VIRT_UART0_BASE + 3, 0x03);
    for (int i = 0; i < 8; i++) {
        scr[i] = garbage();
        mmio_write8(VIRT_UART0_BASE + 7, scr[i]);
        scr[i] ^= mmio_read8(VIRT_UART0_BASE + 7);
    }
    uart_sane();
    for (int i = 0; i < 8; i++) {
        CHECK_EQ(scr[i], 0, "scratch register read back (xor)");
    }
}

static void test_rtc(void)
{
    test_section("goldfish RTC: time, alarm, interrupt registers");
    hammer_device(VIRT_RTC_BASE, 0x20, 0x1000, 300);
}

static void test_finisher(void)
{
    test_section("sifive_test: everything but its three commands");
    for (int i = 0; i < 200; i++) {
        uintptr_t off = (rnd() % 0x1000) & ~UINT64_C(3);
        uint64_t v = garbage();
        uint16_t cmd = v;

        if (off < 4 && (cmd == 0x3333 || cmd == 0x5555 || cmd == 0x7777)) {
            continue;
        }
        poke(VIRT_TEST_BASE + off, 4, true, &v);
        garbage_read(VIRT_TEST_BASE + off, 4);
    }
}

static bool in_arena(uint64_t addr, size_t len)
{
    return addr >= (uintptr_t)arena && len <= ARENA_PAGES * PAGE_SIZE &&
           addr - (uintptr_t)arena <= ARENA_PAGES * PAGE_SIZE - len;
}

static void arena_store(uint64_t addr, const void *data, size_t len)
{
    if (in_arena(addr, len)) {
        memcpy((void *)(uintptr_t)addr, data, len);
    }
}

/* Mostly plausible, sometimes not: the value or nonsense. */
static uint64_t or_garbage(uint64_t plausible)
{
    return rnd() % 8 ? plausible : garbage();
}

/*
 * Split-ring contents for a queue of num entries: descriptors whose
 * buffers hold request headers (virtio-blk's type and sector) and lie in
 * the arena or nowhere, with flags and links going anywhere (loops,
 * indirect tables, chains off the table), and an avail ring offering a
 * few of them, or more than there can be.
 */
static void scribble_rings(uint64_t desc, uint64_t avail, unsigned num)
{
    uint16_t idx = or_garbage(rnd() % (num + 2));

    memset(arena, 0, ARENA_PAGES * PAGE_SIZE);
    for (unsigned i = 0; i < num && i < 64; i++) {
        struct {
            uint64_t addr;
            uint32_t len;
            uint16_t flags, next;
        } d = {
            .addr = dma_addr() & ~UINT64_C(7),
            .len = or_garbage(rnd() % 600),
            .flags = or_garbage(rnd() & 7),     /* NEXT, WRITE, INDIRECT */
            .next = or_garbage(rnd() % (num + 1)),
        };
        struct {
            uint32_t type, reserved;
            uint64_t sector;
        } hdr = {
            .type = or_garbage(rnd() % 12),
            .sector = or_garbage(rnd() % 256),
        };

        arena_store(desc + 16 * i, &d, sizeof(d));
        arena_store(d.addr, &hdr, sizeof(hdr));
    }
    arena_store(avail + 2, &idx, 2);
    for (unsigned i = 0; i < num && i < 64; i++) {
        uint16_t head = or_garbage(rnd() % (num + 1));

        arena_store(avail + 4 + 2 * i, &head, 2);
    }
}

static void virtio_reg(uintptr_t base, unsigned off, uint32_t v)
{
    uint64_t val = v;

    poke(base + off, 4, true, &val);
}

/* A driver's set-up with nonsense in its fields, then kicks. */
static void virtio_nonsense_queue(uintptr_t base)
{
    for (int round = 0; round < 24; round++) {
        uint64_t desc = or_garbage(dma_addr() & ~UINT64_C(15));
        uint64_t avail = or_garbage(dma_addr() & ~UINT64_C(1));
        uint64_t used = or_garbage(dma_addr() & ~UINT64_C(3));
        unsigned num = or_garbage(2u << (rnd() % 4));

        scribble_rings(desc, avail, num);
        virtio_reg(base, VMMIO_STATUS, 0);
        virtio_reg(base, VMMIO_STATUS, 1);
        virtio_reg(base, VMMIO_STATUS, 3);
        virtio_reg(base, 0x024, 0);                     /* DriverFeaturesSel */
        virtio_reg(base, 0x020, or_garbage(0));
        virtio_reg(base, 0x024, 1);
        virtio_reg(base, 0x020, or_garbage(1));         /* VERSION_1 */
        virtio_reg(base, VMMIO_STATUS, or_garbage(0xb));
        virtio_reg(base, 0x030, or_garbage(0));         /* QueueSel */
        virtio_reg(base, 0x038, num);                   /* QueueNum */
        virtio_reg(base, 0x028, 4096);                  /* legacy page size */
        virtio_reg(base, 0x03c, or_garbage(4096));      /* legacy align */
        virtio_reg(base, 0x040, desc >> 12);            /* legacy PFN */
        virtio_reg(base, 0x080, desc);
        virtio_reg(base, 0x084, desc >> 32);
        virtio_reg(base, 0x090, avail);
        virtio_reg(base, 0x094, avail >> 32);
        virtio_reg(base, 0x0a0, used);
        virtio_reg(base, 0x0a4, used >> 32);
        virtio_reg(base, VMMIO_QUEUE_READY, or_garbage(1));
        virtio_reg(base, VMMIO_STATUS, or_garbage(0xf));
        for (int kick = 0; kick < 3; kick++) {
            virtio_reg(base, 0x050, or_garbage(0));     /* QueueNotify */
            garbage_read(base + 0x060, 4);              /* InterruptStatus */
            virtio_reg(base, 0x064, garbage());         /* InterruptACK */
            /* The driver changes its mind under the device's feet. */
            scribble_rings(desc, avail, num);
        }
        garbage_read(base + VMMIO_STATUS, 4);
    }
}

static void test_virtio(void)
{
    for (int slot = 0; slot < VIRTIO_SLOTS; slot++) {
        uintptr_t base = VIRTIO_BASE(slot);
        uint32_t id = mmio_read32(base + VMMIO_DEVICE_ID);
        uint32_t version = mmio_read32(base + VMMIO_VERSION);

        test_section("virtio-mmio slot %d (device %u, version %u)", slot,
                     id, version);
        CHECK_EQ(mmio_read32(base + VMMIO_MAGIC), 0x74726976, "magic");
        hammer_device(base, 0x200, 0x1000, 300);
        virtio_nonsense_queue(base);
        hammer_device(base, 0x200, 0x1000, 100);
        CHECK_EQ(mmio_read32(base + VMMIO_MAGIC), 0x74726976, "magic");
        CHECK_EQ(mmio_read32(base + VMMIO_VERSION), version, "version");
        CHECK_EQ(mmio_read32(base + VMMIO_DEVICE_ID), id, "device ID");
        CHECK_EQ(mmio_read32(base + VMMIO_VENDOR_ID), 0x554d4551, "vendor");
        mmio_write32(base + VMMIO_STATUS, 0);
        CHECK_EQ(mmio_read32(base + VMMIO_STATUS), 0, "status after reset");
    }
}

int main(void)
{
    /* Allocated last: whatever the devices write lands in free memory. */
    arena = page_alloc(ARENA_PAGES);
    test_clint();
    test_plic();
    test_uart();
    test_rtc();
    test_finisher();
    test_virtio();
    test_section("survived %lu accesses, %lu refused", accesses, faults);
    CHECK(accesses > 10000, "enough garbage");
    return 0;
}
