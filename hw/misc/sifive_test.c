/*
 * SiFive test finisher (include/hw/misc/sifive_test.h).
 */
#include "qemu/osdep.h"
#include "qemu/log.h"
#include "hw/misc/sifive_test.h"
#include "sysemu/runstate.h"

static uint64_t sifive_test_read(void *opaque, hwaddr addr, unsigned size)
{
    return 0;
}

static void sifive_test_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    uint32_t code = (val >> 16) & 0xffff;

    if (addr != 0) {
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_test: write of 0x%" PRIx64
                      " at unknown offset 0x%" HWADDR_PRIx "\n", val, addr);
        return;
    }
    switch (val & 0xffff) {
    case FINISHER_FAIL:
        qemu_system_shutdown_request_with_code(SHUTDOWN_CAUSE_GUEST_SHUTDOWN,
                                               code);
        break;
    case FINISHER_PASS:
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        break;
    case FINISHER_RESET:
        qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "sifive_test: unknown command 0x%"
                      PRIx64 "\n", val);
        break;
    }
}

static const MemoryRegionOps sifive_test_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {
        .min_access_size = 2,
        .max_access_size = 4,
    },
    .impl = {
        .min_access_size = 2,
        .max_access_size = 4,
    },
};

void sifive_test_create(MemoryRegion *sysmem, hwaddr base)
{
    MemoryRegion *mr = g_new0(MemoryRegion, 1);

    memory_region_init_io(mr, NULL, &sifive_test_ops, NULL,
                          "riscv.sifive.test", SIFIVE_TEST_SIZE);
    memory_region_add_subregion(sysmem, base, mr);
}
