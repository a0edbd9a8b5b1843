"""-M virt,dumpdtb=FILE writes the board's device tree and exits.

The file must decompile with dtc and describe what firmware and Linux
need (docs/system/riscv-virt.rst lists it): the memory, one hart with its
interrupt controller and timebase, CLINT, PLIC, UART, the test finisher
with poweroff/reboot, the RTC, eight virtio-mmio slots, and /chosen with
the kernel command line and the initrd.
"""

import os
import subprocess

import pytest

from fdt import Fdt, reg_pairs
from machine import run_emulator

MIB = 1024 * 1024


def dump(emulator, tmp_path, *args):
    path = tmp_path / "virt.dtb"
    proc = run_emulator(emulator.path,
                        ["-M", f"virt,dumpdtb={path}"] + list(args),
                        timeout=60, workdir=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert path.is_file(), f"no {path}: {proc.stderr}"
    return path


def decompile(path):
    try:
        proc = subprocess.run(["dtc", "-I", "dtb", "-O", "dts", str(path)],
                              capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        pytest.skip("dtc is missing (Debian package device-tree-compiler)")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def one(fdt, compat):
    nodes = fdt.by_compatible(compat)
    assert len(nodes) == 1, f"{len(nodes)} nodes compatible with {compat}"
    return nodes[0]


def test_board_nodes(emulator, tmp_path):
    path = dump(emulator, tmp_path, "-m", "256M")
    dts = decompile(path)
    for name in ("memory@80000000", "cpus", "cpu@0", "chosen", "soc",
                 "serial@10000000", "virtio_mmio@10008000"):
        assert f"{name} {{" in dts, f"dtc output has no node {name}"

    fdt = Fdt(path.read_bytes())
    root = fdt.root
    assert root.u32("#address-cells") == 2 and root.u32("#size-cells") == 2
    assert "riscv-virtio" in root.compatible()
    assert root.has("model")

    memory = fdt.node("/memory@80000000")
    assert memory.string("device_type") == "memory"
    assert reg_pairs(memory) == [(0x80000000, 256 * MIB)]

    cpus = fdt.node("/cpus")
    assert cpus.u32("timebase-frequency") == 10000000
    harts = [n for n in cpus.children if n.has("device_type")
             and n.string("device_type") == "cpu"]
    assert len(harts) == 1
    cpu = harts[0]
    assert cpu.name == "cpu@0" and cpu.u32("reg") == 0
    assert cpu.string("status") == "okay"
    assert "riscv" in cpu.compatible()
    isa = cpu.string("riscv,isa")
    assert isa.startswith("rv64")
    assert set("imac") <= set(isa[4:].split("_")[0]), isa
    intc = cpu.child("interrupt-controller")
    assert intc is not None and "riscv,cpu-intc" in intc.compatible()
    assert intc.has("interrupt-controller")
    assert intc.u32("#interrupt-cells") == 1
    hart_intc = intc.u32("phandle")

    soc = fdt.node("/soc")
    assert soc is not None

    clint = fdt.by_compatible("sifive,clint0") or \
        fdt.by_compatible("riscv,clint0")
    assert len(clint) == 1
    assert reg_pairs(clint[0]) == [(0x2000000, 0x10000)]
    # M-mode software (3) and timer (7) interrupts of hart 0.
    assert clint[0].u32s("interrupts-extended") == [hart_intc, 3,
                                                    hart_intc, 7]

    plic = fdt.by_compatible("sifive,plic-1.0.0") or \
        fdt.by_compatible("riscv,plic0")
    assert len(plic) == 1
    plic = plic[0]
    assert reg_pairs(plic) == [(0xc000000, 0x600000)]
    assert plic.has("interrupt-controller")
    assert plic.u32("riscv,ndev") >= 11
    # M-mode external (11) and S-mode external (9) of hart 0.
    assert plic.u32s("interrupts-extended") == [hart_intc, 11, hart_intc, 9]
    plic_phandle = plic.u32("phandle")

    def device(compat, base, size, irq=None):
        node = one(fdt, compat)
        assert reg_pairs(node) == [(base, size)], node
        if irq is not None:
            assert node.u32("interrupts") == irq, node
            assert node.u32("interrupt-parent") == plic_phandle, node
        return node

    uart = device("ns16550a", 0x10000000, 0x100, irq=10)
    assert uart.u32("clock-frequency") == 3686400
    device("google,goldfish-rtc", 0x101000, 0x1000, irq=11)
    test = device("sifive,test0", 0x100000, 0x1000)
    assert "syscon" in test.compatible()

    virtio = fdt.by_compatible("virtio,mmio")
    assert sorted(reg_pairs(n)[0] for n in virtio) == \
        [(0x10001000 + 0x1000 * i, 0x1000) for i in range(8)]
    for n in virtio:
        assert n.u32("interrupts") == 1 + (reg_pairs(n)[0][0] - 0x10001000) \
            // 0x1000
        assert n.u32("interrupt-parent") == plic_phandle

    for compat, value in (("syscon-poweroff", 0x5555),
                          ("syscon-reboot", 0x7777)):
        node = one(fdt, compat)
        assert node.u32("value") == value
        assert node.u32("offset") == 0
        assert fdt.by_phandle(node.u32("regmap")) is test

    chosen = fdt.node("/chosen")
    assert chosen is not None
    stdout = chosen.string("stdout-path").split(":")[0]
    assert fdt.node(stdout) is uart, f"stdout-path {stdout}"


def test_memory_size_follows_m(emulator, tmp_path):
    fdt = Fdt(dump(emulator, tmp_path, "-m", "1G").read_bytes())
    assert reg_pairs(fdt.node("/memory@80000000")) == [(0x80000000,
                                                         1024 * MIB)]


def test_chosen_kernel_arguments(emulator, guest, tmp_path):
    cmdline = "console=ttyS0 grace.mode=check dtb-test=1"
    path = dump(emulator, tmp_path, "-m", "256M", "-kernel", str(guest.image),
                "-initrd", str(guest.initramfs), "-append", cmdline)
    chosen = Fdt(path.read_bytes()).node("/chosen")
    assert chosen.string("bootargs") == cmdline

    def addr(prop):
        cells = chosen.u32s(prop)
        return cells[0] if len(cells) == 1 else (cells[0] << 32) | cells[1]

    start, end = addr("linux,initrd-start"), addr("linux,initrd-end")
    assert end - start == os.path.getsize(guest.initramfs)
    assert 0x80000000 <= start and end <= 0x80000000 + 256 * MIB


def test_dumpdtb_unwritable_path(emulator, tmp_path):
    path = tmp_path / "no-such-dir" / "virt.dtb"
    proc = run_emulator(emulator.path, ["-M", f"virt,dumpdtb={path}"],
                        timeout=60, workdir=tmp_path)
    assert proc.returncode == 1
    assert str(path) in proc.stderr
