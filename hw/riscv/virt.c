/*
 * The RISC-V "virt" board: the machine that OpenSBI, U-Boot and Linux
 * know as riscv-virtio,qemu.
 *
 * It builds the memory map below, one hart per -smp CPU, the CLINT and
 * PLIC wired to the harts, a 16550A UART, the sifive_test finisher, a
 * goldfish RTC and eight virtio-mmio slots; then it describes exactly
 * that in a device tree and lays out the boot images (see boot.c).
 */
#include "qemu/osdep.h"
#include <libfdt.h>
#include "hw/riscv/virt.h"
#include "hw/riscv/boot.h"
#include "hw/boards.h"
#include "hw/irq.h"
#include "hw/char/serial.h"
#include "hw/intc/riscv_aclint.h"
#include "hw/intc/sifive_plic.h"
#include "hw/misc/sifive_test.h"
#include "hw/rtc/goldfish_rtc.h"
#include "hw/mem/memory-device.h"
#include "hw/virtio/virtio-mmio.h"
#include "exec/memory.h"
#include "sysemu/cpus.h"
#include "sysemu/reset.h"
#include "migration/vmstate.h"
#include "target/riscv/cpu.h"
#include "qemu/error-report.h"
#include "qapi/error.h"

const MemMapEntry virt_memmap[] = {
    [VIRT_MROM] =   {     0x1000,     0xf000 },
    [VIRT_TEST] =   {   0x100000,     0x1000 },
    [VIRT_RTC] =    {   0x101000,     0x1000 },
    [VIRT_CLINT] =  {  0x2000000,    0x10000 },
    [VIRT_PLIC] =   {  0xc000000,   0x600000 },
    [VIRT_UART0] =  { 0x10000000,      0x100 },
    [VIRT_VIRTIO] = { 0x10001000,     0x1000 },
    [VIRT_DRAM] =   { 0x80000000,          0 },
};

/* Phandles are fixed: the device tree is built in one pass. */
enum {
    PHANDLE_PLIC = 1,
    PHANDLE_TEST,
    PHANDLE_CPU_BASE,       /* hart h: CPU_BASE + 2h, its intc + 1 */
};

typedef struct RISCVVirtState {
    RISCVCPU *harts[VIRT_MAX_CPUS];
    unsigned int num_harts;
    CpuTopology smp;
    MemoryRegion ram;
    MemoryRegion mrom;
    RISCVAclintState *clint;
    SiFivePLICState *plic;
} RISCVVirtState;

static RISCVVirtState virt_state;

static void virt_reset_harts(void *opaque)
{
    RISCVVirtState *s = opaque;

    for (unsigned int i = 0; i < s->num_harts; i++) {
        cpu_reset(CPU(s->harts[i]));
    }
}

static bool virt_create_harts(RISCVVirtState *s, unsigned int n, Error **errp)
{
    for (unsigned int i = 0; i < n; i++) {
        s->harts[i] = riscv_cpu_new(i, errp);
        if (!s->harts[i]) {
            return false;
        }
    }
    s->num_harts = n;
    qemu_register_reset(virt_reset_harts, s);
    return true;
}

/* One device's output line, the PLIC source it drives, for qtest. */
static void publish_source(RISCVVirtState *s, const char *fmt, hwaddr base,
                           int source)
{
    g_autofree char *path = g_strdup_printf(fmt, base);
    qemu_irq line = sifive_plic_get_source(s->plic, source);

    qemu_irq_publish(path, true, &line, 1);
}

/*
 * Publish the interrupt lines for qtest's irq_intercept_in/out, under the
 * devices' node paths in the device tree:
 *   PLIC   in: source i (1..96; 0 unused); out: context i (hart h's M mode
 *          2h, S mode 2h + 1)
 *   CLINT  out: hart h's MSIP is h, its MTIP num_harts + h
 *   UART, RTC, each virtio-mmio slot: out 0, the interrupt they raise
 */
static void virt_publish_irqs(RISCVVirtState *s, qemu_irq *msip,
                              qemu_irq *mtip, qemu_irq *ctx)
{
    const MemMapEntry *m = virt_memmap;
    unsigned int n = s->num_harts;
    g_autofree qemu_irq *sources = g_new(qemu_irq,
                                         VIRT_IRQCHIP_NUM_SOURCES + 1);
    g_autofree qemu_irq *clint = g_new(qemu_irq, 2 * n);
    g_autofree char *plic = g_strdup_printf("/soc/plic@%" PRIx64,
                                            m[VIRT_PLIC].base);
    g_autofree char *clint_path = g_strdup_printf("/soc/clint@%" PRIx64,
                                                  m[VIRT_CLINT].base);

    sources[0] = NULL;
    for (int i = 1; i <= VIRT_IRQCHIP_NUM_SOURCES; i++) {
        sources[i] = sifive_plic_get_source(s->plic, i);
    }
    qemu_irq_publish(plic, false, sources, VIRT_IRQCHIP_NUM_SOURCES + 1);
    qemu_irq_publish(plic, true, ctx, 2 * n);
    memcpy(clint, msip, n * sizeof(qemu_irq));
    memcpy(clint + n, mtip, n * sizeof(qemu_irq));
    qemu_irq_publish(clint_path, true, clint, 2 * n);
    publish_source(s, "/soc/serial@%" PRIx64, m[VIRT_UART0].base, UART0_IRQ);
    publish_source(s, "/soc/rtc@%" PRIx64, m[VIRT_RTC].base, RTC_IRQ);
    for (int i = 0; i < VIRTIO_COUNT; i++) {
        publish_source(s, "/soc/virtio_mmio@%" PRIx64,
                       m[VIRT_VIRTIO].base + i * m[VIRT_VIRTIO].size,
                       VIRTIO_IRQ + i);
    }
}

static void virt_create_devices(RISCVVirtState *s, MachineState *ms)
{
    MemoryRegion *sysmem = get_system_memory();
    unsigned int n = s->num_harts;
    /* The interrupt controllers keep these arrays. */
    qemu_irq *msip = g_new(qemu_irq, n);
    qemu_irq *mtip = g_new(qemu_irq, n);
    qemu_irq *ctx = g_new(qemu_irq, 2 * n);

    for (unsigned int h = 0; h < n; h++) {
        msip[h] = riscv_cpu_irq(s->harts[h], IRQ_M_SOFT);
        mtip[h] = riscv_cpu_irq(s->harts[h], IRQ_M_TIMER);
        /* PLIC context 2h is hart h's M mode, 2h + 1 its S mode. */
        ctx[2 * h] = riscv_cpu_irq(s->harts[h], IRQ_M_EXT);
        ctx[2 * h + 1] = riscv_cpu_irq(s->harts[h], IRQ_S_EXT);
    }
    s->clint = riscv_aclint_create(sysmem, virt_memmap[VIRT_CLINT].base, n,
                                   msip, mtip, VIRT_TIMEBASE_FREQ);
    for (unsigned int h = 0; h < n; h++) {
        riscv_cpu_set_rdtime_fn(&s->harts[h]->env, riscv_aclint_read_time,
                                s->clint);
    }
    s->plic = sifive_plic_create(sysmem, virt_memmap[VIRT_PLIC].base,
                                 VIRT_IRQCHIP_NUM_SOURCES, 2 * n, ctx);

    sifive_test_create(sysmem, virt_memmap[VIRT_TEST].base);
    goldfish_rtc_create(sysmem, virt_memmap[VIRT_RTC].base,
                        sifive_plic_get_source(s->plic, RTC_IRQ));
    serial_mm_init(sysmem, virt_memmap[VIRT_UART0].base, 0,
                   sifive_plic_get_source(s->plic, UART0_IRQ),
                   VIRT_UART_CLOCK, ms->serial, DEVICE_LITTLE_ENDIAN);
    for (int i = 0; i < VIRTIO_COUNT; i++) {
        virtio_mmio_create(sysmem,
                           virt_memmap[VIRT_VIRTIO].base +
                           i * virt_memmap[VIRT_VIRTIO].size,
                           sifive_plic_get_source(s->plic, VIRTIO_IRQ + i));
    }
    virt_publish_irqs(s, msip, mtip, ctx);
}

/*
 * The device tree.  libfdt's sequential writer needs every node in order,
 * so phandles are assigned up front (enum above).
 */
#define FDT_CHECK(call)                                                  \
    do {                                                                 \
        int err_ = (call);                                               \
        /* Only running out of buffer could fail: the size is ample. */  \
        if (err_ < 0) {                                                  \
            error_report("device tree: %s: %s", #call, fdt_strerror(err_)); \
            abort();                                                     \
        }                                                                \
    } while (0)

static void fdt_prop_reg(void *fdt, hwaddr base, hwaddr size)
{
    uint64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

    FDT_CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
}

static void fdt_begin_nodef(void *fdt, const char *fmt, hwaddr addr)
{
    g_autofree char *name = g_strdup_printf(fmt, addr);

    FDT_CHECK(fdt_begin_node(fdt, name));
}

static void fdt_prop_cells(void *fdt, const char *name, const uint32_t *cells,
                           int n)
{
    g_autofree uint32_t *be = g_new(uint32_t, n);

    for (int i = 0; i < n; i++) {
        be[i] = cpu_to_fdt32(cells[i]);
    }
    FDT_CHECK(fdt_property(fdt, name, be, n * sizeof(uint32_t)));
}

static uint32_t hart_intc_phandle(unsigned int h)
{
    return PHANDLE_CPU_BASE + 2 * h + 1;
}

/*
 * /cpus/cpu-map: a cluster per socket, a core per core, and a thread
 * node per hart when the cores have more than one thread (the binding
 * of Documentation/devicetree/bindings/cpu/cpu-topology.txt).
 */
static void fdt_add_cpu_map(void *fdt, RISCVVirtState *s)
{
    const CpuTopology *t = &s->smp;
    unsigned int h = 0;

    FDT_CHECK(fdt_begin_node(fdt, "cpu-map"));
    for (unsigned int socket = 0; h < s->num_harts; socket++) {
        fdt_begin_nodef(fdt, "cluster%" PRIu64, socket);
        for (unsigned int core = 0; core < t->cores && h < s->num_harts;
             core++) {
            fdt_begin_nodef(fdt, "core%" PRIu64, core);
            if (t->threads == 1) {
                FDT_CHECK(fdt_property_u32(fdt, "cpu",
                                           PHANDLE_CPU_BASE + 2 * h++));
            } else {
                for (unsigned int thread = 0;
                     thread < t->threads && h < s->num_harts; thread++) {
                    fdt_begin_nodef(fdt, "thread%" PRIu64, thread);
                    FDT_CHECK(fdt_property_u32(fdt, "cpu",
                                               PHANDLE_CPU_BASE + 2 * h++));
                    FDT_CHECK(fdt_end_node(fdt));
                }
            }
            FDT_CHECK(fdt_end_node(fdt));
        }
        FDT_CHECK(fdt_end_node(fdt));
    }
    FDT_CHECK(fdt_end_node(fdt));
}

static void fdt_add_cpus(void *fdt, RISCVVirtState *s)
{
    FDT_CHECK(fdt_begin_node(fdt, "cpus"));
    FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 1));
    FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 0));
    FDT_CHECK(fdt_property_u32(fdt, "timebase-frequency",
                               VIRT_TIMEBASE_FREQ));
    for (unsigned int h = 0; h < s->num_harts; h++) {
        fdt_begin_nodef(fdt, "cpu@%" PRIx64, h);
        FDT_CHECK(fdt_property_u32(fdt, "phandle", PHANDLE_CPU_BASE + 2 * h));
        FDT_CHECK(fdt_property_string(fdt, "device_type", "cpu"));
        FDT_CHECK(fdt_property_u32(fdt, "reg", h));
        FDT_CHECK(fdt_property_string(fdt, "status", "okay"));
        FDT_CHECK(fdt_property_string(fdt, "compatible", "riscv"));
        FDT_CHECK(fdt_property_string(fdt, "riscv,isa",
                                      riscv_cpu_isa_string(s->harts[h])));
        FDT_CHECK(fdt_property_string(fdt, "mmu-type", "riscv,sv48"));
        FDT_CHECK(fdt_begin_node(fdt, "interrupt-controller"));
        FDT_CHECK(fdt_property_u32(fdt, "#interrupt-cells", 1));
        FDT_CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
        FDT_CHECK(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
        FDT_CHECK(fdt_property_u32(fdt, "phandle", hart_intc_phandle(h)));
        FDT_CHECK(fdt_end_node(fdt));
        FDT_CHECK(fdt_end_node(fdt));
    }
    fdt_add_cpu_map(fdt, s);
    FDT_CHECK(fdt_end_node(fdt));
}

/* "interrupts-extended" with (intc of hart h, irq) for each hart/irq. */
static void fdt_prop_hart_irqs(void *fdt, RISCVVirtState *s,
                               const uint32_t *irqs, int nirqs)
{
    g_autofree uint32_t *cells = g_new(uint32_t, 2 * nirqs * s->num_harts);
    int n = 0;

    for (unsigned int h = 0; h < s->num_harts; h++) {
        for (int i = 0; i < nirqs; i++) {
            cells[n++] = hart_intc_phandle(h);
            cells[n++] = irqs[i];
        }
    }
    fdt_prop_cells(fdt, "interrupts-extended", cells, n);
}

static void fdt_device_irq(void *fdt, uint32_t irq)
{
    FDT_CHECK(fdt_property_u32(fdt, "interrupts", irq));
    FDT_CHECK(fdt_property_u32(fdt, "interrupt-parent", PHANDLE_PLIC));
}

static void fdt_add_soc(void *fdt, RISCVVirtState *s)
{
    static const uint32_t clint_irqs[] = { IRQ_M_SOFT, IRQ_M_TIMER };
    static const uint32_t plic_irqs[] = { IRQ_M_EXT, IRQ_S_EXT };
    static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
    static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";
    static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
    const MemMapEntry *m = virt_memmap;

    FDT_CHECK(fdt_begin_node(fdt, "soc"));
    FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 2));
    FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 2));
    FDT_CHECK(fdt_property_string(fdt, "compatible", "simple-bus"));
    FDT_CHECK(fdt_property(fdt, "ranges", NULL, 0));

    fdt_begin_nodef(fdt, "rtc@%" PRIx64, m[VIRT_RTC].base);
    fdt_device_irq(fdt, RTC_IRQ);
    fdt_prop_reg(fdt, m[VIRT_RTC].base, m[VIRT_RTC].size);
    FDT_CHECK(fdt_property_string(fdt, "compatible", "google,goldfish-rtc"));
    FDT_CHECK(fdt_end_node(fdt));

    fdt_begin_nodef(fdt, "serial@%" PRIx64, m[VIRT_UART0].base);
    fdt_device_irq(fdt, UART0_IRQ);
    FDT_CHECK(fdt_property_u32(fdt, "clock-frequency", VIRT_UART_CLOCK));
    fdt_prop_reg(fdt, m[VIRT_UART0].base, m[VIRT_UART0].size);
    FDT_CHECK(fdt_property_string(fdt, "compatible", "ns16550a"));
    FDT_CHECK(fdt_end_node(fdt));

    fdt_begin_nodef(fdt, "test@%" PRIx64, m[VIRT_TEST].base);
    FDT_CHECK(fdt_property_u32(fdt, "phandle", PHANDLE_TEST));
    fdt_prop_reg(fdt, m[VIRT_TEST].base, m[VIRT_TEST].size);
    FDT_CHECK(fdt_property(fdt, "compatible", test_compat,
                           sizeof(test_compat)));
    FDT_CHECK(fdt_end_node(fdt));

    /* Highest slot first, as QEMU lists them. */
    for (int i = VIRTIO_COUNT - 1; i >= 0; i--) {
        hwaddr base = m[VIRT_VIRTIO].base + i * m[VIRT_VIRTIO].size;

        fdt_begin_nodef(fdt, "virtio_mmio@%" PRIx64, base);
        fdt_device_irq(fdt, VIRTIO_IRQ + i);
        fdt_prop_reg(fdt, base, m[VIRT_VIRTIO].size);
        FDT_CHECK(fdt_property_string(fdt, "compatible", "virtio,mmio"));
        FDT_CHECK(fdt_end_node(fdt));
    }

    fdt_begin_nodef(fdt, "plic@%" PRIx64, m[VIRT_PLIC].base);
    FDT_CHECK(fdt_property_u32(fdt, "phandle", PHANDLE_PLIC));
    FDT_CHECK(fdt_property_u32(fdt, "riscv,ndev",
                               VIRT_IRQCHIP_NUM_SOURCES));
    fdt_prop_reg(fdt, m[VIRT_PLIC].base, m[VIRT_PLIC].size);
    fdt_prop_hart_irqs(fdt, s, plic_irqs, ARRAY_SIZE(plic_irqs));
    FDT_CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
    FDT_CHECK(fdt_property(fdt, "compatible", plic_compat,
                           sizeof(plic_compat)));
    FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 0));
    FDT_CHECK(fdt_property_u32(fdt, "#interrupt-cells", 1));
    FDT_CHECK(fdt_end_node(fdt));

    fdt_begin_nodef(fdt, "clint@%" PRIx64, m[VIRT_CLINT].base);
    fdt_prop_hart_irqs(fdt, s, clint_irqs, ARRAY_SIZE(clint_irqs));
    fdt_prop_reg(fdt, m[VIRT_CLINT].base, m[VIRT_CLINT].size);
    FDT_CHECK(fdt_property(fdt, "compatible", clint_compat,
                           sizeof(clint_compat)));
    FDT_CHECK(fdt_end_node(fdt));

    FDT_CHECK(fdt_end_node(fdt));
}

static void fdt_add_syscon_node(void *fdt, const char *name,
                                const char *compatible, uint32_t value)
{
    FDT_CHECK(fdt_begin_node(fdt, name));
    FDT_CHECK(fdt_property_u32(fdt, "value", value));
    FDT_CHECK(fdt_property_u32(fdt, "offset", 0));
    FDT_CHECK(fdt_property_u32(fdt, "regmap", PHANDLE_TEST));
    FDT_CHECK(fdt_property_string(fdt, "compatible", compatible));
    FDT_CHECK(fdt_end_node(fdt));
}

/* Build the tree; /chosen is filled in later, by virt_fdt_set_chosen. */
static void *virt_create_fdt(RISCVVirtState *s, uint64_t ram_size, int *size)
{
    int buf_size = 64 * KiB;
    void *fdt = g_malloc0(buf_size);
    g_autofree char *stdout_path = NULL;

    FDT_CHECK(fdt_create(fdt, buf_size));
    FDT_CHECK(fdt_finish_reservemap(fdt));
    FDT_CHECK(fdt_begin_node(fdt, ""));
    FDT_CHECK(fdt_property_u32(fdt, "#address-cells", 2));
    FDT_CHECK(fdt_property_u32(fdt, "#size-cells", 2));
    FDT_CHECK(fdt_property_string(fdt, "compatible", "riscv-virtio"));
    FDT_CHECK(fdt_property_string(fdt, "model", "riscv-virtio,qemu"));

    FDT_CHECK(fdt_begin_node(fdt, "chosen"));
    stdout_path = g_strdup_printf("/soc/serial@%" PRIx64,
                                  virt_memmap[VIRT_UART0].base);
    FDT_CHECK(fdt_property_string(fdt, "stdout-path", stdout_path));
    FDT_CHECK(fdt_end_node(fdt));

    fdt_add_syscon_node(fdt, "poweroff", "syscon-poweroff", 0x5555);
    fdt_add_syscon_node(fdt, "reboot", "syscon-reboot", 0x7777);

    fdt_begin_nodef(fdt, "memory@%" PRIx64, virt_memmap[VIRT_DRAM].base);
    FDT_CHECK(fdt_property_string(fdt, "device_type", "memory"));
    fdt_prop_reg(fdt, virt_memmap[VIRT_DRAM].base, ram_size);
    FDT_CHECK(fdt_end_node(fdt));

    fdt_add_cpus(fdt, s);
    fdt_add_soc(fdt, s);
    FDT_CHECK(fdt_end_node(fdt));
    FDT_CHECK(fdt_finish(fdt));
    /* Room for /chosen's later properties. */
    FDT_CHECK(fdt_open_into(fdt, fdt, buf_size));
    *size = buf_size;
    return fdt;
}

/* Load -dtb FILE: a tree the user made, which we still complete. */
static void *virt_load_fdt(const char *filename, int *size, Error **errp)
{
    g_autofree char *data = NULL;
    gsize len;
    GError *gerr = NULL;
    void *fdt;
    int err;

    if (!g_file_get_contents(filename, &data, &len, &gerr)) {
        error_setg(errp, "could not load dtb '%s': %s", filename,
                   gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    if (len < sizeof(struct fdt_header) || fdt_check_header(data) != 0 ||
        fdt_totalsize(data) > len) {
        error_setg(errp, "dtb '%s' is not a flattened device tree%s",
                   filename, len == 0 ? " (it is empty)" : "");
        return NULL;
    }
    *size = fdt_totalsize(data) + 4 * KiB;
    fdt = g_malloc0(*size);
    err = fdt_open_into(data, fdt, *size);
    if (err < 0) {
        error_setg(errp, "dtb '%s' is corrupt: %s", filename,
                   fdt_strerror(err));
        g_free(fdt);
        return NULL;
    }
    return fdt;
}

static bool virt_fdt_set_chosen(void *fdt, const char *cmdline,
                                hwaddr initrd_start, hwaddr initrd_end,
                                Error **errp)
{
    int chosen = fdt_path_offset(fdt, "/chosen");
    int err = 0;

    if (chosen < 0) {
        chosen = fdt_add_subnode(fdt, 0, "chosen");
    }
    if (chosen < 0) {
        err = chosen;
        goto out;
    }
    if (cmdline && *cmdline) {
        err = fdt_setprop_string(fdt, chosen, "bootargs", cmdline);
    }
    if (!err && initrd_end > initrd_start) {
        err = fdt_setprop_u64(fdt, chosen, "linux,initrd-start",
                              initrd_start);
        if (!err) {
            err = fdt_setprop_u64(fdt, chosen, "linux,initrd-end",
                                  initrd_end);
        }
    }
out:
    if (err < 0) {
        error_setg(errp, "cannot update the device tree's /chosen: %s "
                   "(is -append too long?)", fdt_strerror(err));
        return false;
    }
    return true;
}

static bool virt_dump_dtb(void *fdt, const char *filename, Error **errp)
{
    GError *gerr = NULL;

    fdt_pack(fdt);
    if (!g_file_set_contents(filename, fdt, fdt_totalsize(fdt), &gerr)) {
        error_setg(errp, "cannot write the device tree to '%s': %s",
                   filename, gerr->message);
        g_error_free(gerr);
        return false;
    }
    return true;
}

/* Firmware, kernel, initrd and DTB into RAM; the reset vector into MROM. */
static bool virt_load_images(RISCVVirtState *s, MachineState *ms, void *fdt,
                             Error **errp)
{
    hwaddr ram_base = virt_memmap[VIRT_DRAM].base;
    hwaddr firmware_end = ram_base, kernel_end = 0, fdt_addr;
    hwaddr initrd_start = 0, initrd_end = 0;
    uint64_t start_addr = ram_base, kernel_entry = 0;
    g_autofree char *bios = NULL;
    Error *local_err = NULL;

    bios = riscv_find_bios(ms->firmware, &local_err);
    if (local_err) {
        error_propagate(errp, local_err);
        return false;
    }
    if (bios && !riscv_load_firmware(bios, ram_base, ram_base, ms->ram_size,
                                     &firmware_end, errp)) {
        return false;
    }
    if (ms->kernel_filename) {
        hwaddr kernel_start = riscv_calc_kernel_start_addr(
            bios ? firmware_end : ram_base, ram_base);

        if (!riscv_load_kernel(ms->kernel_filename, kernel_start, ram_base,
                               ms->ram_size, &kernel_entry, &kernel_end,
                               errp)) {
            return false;
        }
        if (ms->initrd_filename &&
            !riscv_load_initrd(ms->initrd_filename, kernel_entry, kernel_end,
                               ram_base, ms->ram_size, &initrd_start,
                               &initrd_end, errp)) {
            return false;
        }
        if (!bios) {
            /* -bios none: the ROM jumps straight to the kernel. */
            start_addr = kernel_entry;
        }
    } else if (ms->initrd_filename) {
        error_setg(errp, "-initrd needs -kernel");
        return false;
    } else if (ms->kernel_cmdline && *ms->kernel_cmdline) {
        error_setg(errp, "-append needs -kernel");
        return false;
    }

    if (!virt_fdt_set_chosen(fdt, ms->kernel_cmdline, initrd_start,
                             initrd_end, errp)) {
        return false;
    }
    fdt_pack(fdt);
    fdt_addr = riscv_compute_fdt_addr(ram_base, ms->ram_size,
                                      fdt_totalsize(fdt));
    if (kernel_end > fdt_addr || initrd_end > fdt_addr) {
        error_setg(errp, "RAM is too small: the kernel and initrd reach "
                   "0x%" HWADDR_PRIx ", where the device tree must go "
                   "(0x%" HWADDR_PRIx "); use a larger -m",
                   MAX(kernel_end, initrd_end), fdt_addr);
        return false;
    }
    address_space_write_rom(&address_space_memory, fdt_addr,
                            MEMTXATTRS_UNSPECIFIED, fdt, fdt_totalsize(fdt));
    riscv_setup_rom_reset_vec(start_addr, virt_memmap[VIRT_MROM].base,
                              virt_memmap[VIRT_MROM].size,
                              ms->kernel_filename ? kernel_entry : 0,
                              fdt_addr);
    return true;
}

static bool virt_machine_init(MachineState *ms, Error **errp)
{
    RISCVVirtState *s = &virt_state;
    MemoryRegion *sysmem = get_system_memory();
    void *fdt;
    int fdt_size;

    if (!memory_region_init_ram(&s->ram, NULL, "riscv_virt_board.ram",
                                ms->ram_size, errp)) {
        return false;
    }
    memory_region_add_subregion(sysmem, virt_memmap[VIRT_DRAM].base, &s->ram);
    vmstate_register_ram(&s->ram);
    if (!memory_region_init_rom(&s->mrom, NULL, "riscv_virt_board.mrom",
                                virt_memmap[VIRT_MROM].size, errp)) {
        return false;
    }
    memory_region_add_subregion(sysmem, virt_memmap[VIRT_MROM].base,
                                &s->mrom);
    vmstate_register_ram(&s->mrom);
    machine_device_memory_init(sysmem,
                               QEMU_ALIGN_UP(virt_memmap[VIRT_DRAM].base +
                                             ms->ram_size,
                                             VIRT_DEVICE_MEMORY_ALIGN),
                               VIRT_DEVICE_MEMORY_SIZE,
                               VIRT_MEMORY_BLOCK_SIZE);

    s->smp = ms->smp;
    if (!virt_create_harts(s, ms->smp.cpus, errp)) {
        return false;
    }
    virt_create_devices(s, ms);

    if (ms->dtb) {
        fdt = virt_load_fdt(ms->dtb, &fdt_size, errp);
        if (!fdt) {
            return false;
        }
    } else {
        fdt = virt_create_fdt(s, ms->ram_size, &fdt_size);
    }
    if (!virt_load_images(s, ms, fdt, errp)) {
        g_free(fdt);
        return false;
    }
    if (ms->dumpdtb && !virt_dump_dtb(fdt, ms->dumpdtb, errp)) {
        g_free(fdt);
        return false;
    }
    ms->fdt = fdt;
    ms->fdt_size = fdt_totalsize(fdt);
    for (unsigned int i = 0; i < s->num_harts; i++) {
        qemu_init_vcpu(CPU(s->harts[i]));
    }
    return true;
}

const MachineClass virt_machine = {
    .name = "virt",
    .desc = "RISC-V VirtIO board",
    .init = virt_machine_init,
    .default_ram_size = 128 * MiB,
    .max_cpus = VIRT_MAX_CPUS,
};
