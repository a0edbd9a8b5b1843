#!/usr/bin/env python3
"""Write the device fuzzer's seed corpus: one directory per device.

    virt-seeds.py OUTDIR

Each seed is an input of tests/fuzz/fuzz-virt.c (see the format there)
doing what a driver does with the device: set it up, use it, and a few
things a careless driver does.  With GRACE_FUZZ_DEVICE=NAME the fuzzer
sees only NAME's windows, so region 0 is the device's own.  The seeds are
written from this source each run, so they always match the format.
"""

import os
import struct
import sys

READ, WRITE, RAM, CLOCK, RX, VIRTQ, IRQ = range(7)
SIZE_CODE = {1: 0, 2: 1, 4: 2, 8: 3}


class Seed:
    def __init__(self):
        self.data = bytearray()

    def rd(self, off, size=4, region=0):
        self.data += struct.pack("<BBBI", READ, region, SIZE_CODE[size], off)
        return self

    def wr(self, off, val, size=4, region=0):
        self.data += struct.pack("<BBBIQ", WRITE, region, SIZE_CODE[size],
                                 off, val)
        return self

    def ram(self, off, data):
        for i in range(0, len(data), 255):
            chunk = data[i:i + 255]
            self.data += struct.pack("<BHB", RAM, off + i, len(chunk)) + chunk
        return self

    def clock(self, ns):
        self.data += struct.pack("<BI", CLOCK, ns)
        return self

    def rx(self, data):
        self.data += struct.pack("<BB", RX, len(data)) + data
        return self

    def irq(self, source, level):
        self.data += struct.pack("<BBB", IRQ, source, level)
        return self

    def virtq(self, num=8, desc=0x0, avail=0x1000, used=0x2000,
              features=1 << 32, queue=0, region=0):
        self.data += struct.pack("<BBBBHHHQ", VIRTQ, region, queue, num,
                                 desc, avail, used, features)
        return self


def clint():
    msip, mtimecmp, mtime = 0x0, 0x4000, 0xbff8
    yield "msip", Seed().wr(msip, 1).rd(msip).wr(msip, 0).rd(msip)
    yield "timer", (Seed().rd(mtime, 8).wr(mtimecmp, 1000, 8)
                    .clock(50_000).rd(mtimecmp, 8).wr(mtimecmp, 2**64 - 1, 8)
                    .clock(1_000_000))
    yield "halves", (Seed().wr(mtime, 0xfffffff0).wr(mtime + 4, 0)
                     .wr(mtimecmp + 4, 0).wr(mtimecmp, 0x10).clock(10_000)
                     .rd(mtime, 8))
    yield "other-harts", Seed().wr(4, 1).wr(mtimecmp + 8, 5, 8).rd(0x7ff8, 8)


def plic():
    prio = lambda s: 4 * s
    enable, threshold, claim = 0x2000, 0x200000, 0x200004
    yield "claim", (Seed().wr(prio(10), 7).wr(enable, 1 << 10)
                    .wr(threshold, 0).rd(claim).wr(claim, 10).rd(0x1000))
    yield "s-mode", (Seed().wr(prio(1), 1).wr(prio(11), 3)
                     .wr(enable + 0x80, 0xffffffff).wr(threshold + 0x1000, 2)
                     .rd(claim + 0x1000).wr(claim + 0x1000, 11))
    yield "lines", (Seed().wr(prio(3), 2).wr(prio(40), 5)
                    .wr(enable, (1 << 3)).wr(enable + 4, 1 << 8)
                    .irq(3, 1).irq(40, 1).rd(claim).rd(claim)
                    .wr(claim, 40).irq(40, 0).wr(claim, 3).rd(0x1000)
                    .irq(3, 0).rd(claim).wr(threshold, 4).irq(40, 1)
                    .rd(claim))
    yield "bad", (Seed().wr(prio(0), 5).wr(prio(95), 0xffffffff)
                  .wr(claim, 1234).rd(0x1000 + 12).wr(enable + 12, 0xffffffff)
                  .rd(claim, 8).wr(0x5ffffc, 1))


def uart():
    thr, ier, fcr, lcr, mcr, lsr = 0, 1, 2, 3, 4, 5
    yield "setup-tx", (Seed().wr(lcr, 0x83, 1).wr(0, 1, 1).wr(1, 0, 1)
                       .wr(lcr, 3, 1).wr(fcr, 0xc7, 1).wr(ier, 0x0f, 1)
                       .wr(mcr, 0x0b, 1).wr(thr, 0x41, 1).rd(lsr, 1)
                       .rd(2, 1))
    yield "rx-timeout", (Seed().wr(fcr, 0xc1, 1).wr(ier, 1, 1)
                         .rx(b"hello").rd(2, 1).clock(2_000_000).rd(2, 1)
                         .rd(thr, 1).rd(lsr, 1))
    yield "loopback", (Seed().wr(mcr, 0x10, 1).wr(fcr, 1, 1)
                       .wr(thr, 0x55, 1).wr(thr, 0xaa, 1).rd(thr, 1)
                       .rd(6, 1).wr(lcr, 0x40, 1).rd(lsr, 1))
    yield "overrun", (Seed().rx(bytes(range(64))).rd(lsr, 1).wr(7, 0x5a, 1)
                      .rd(7, 1))


def rtc():
    tl, th, al, ah, ien, clr_alarm, status, clr_irq = range(0, 0x20, 4)
    yield "time", Seed().rd(tl).rd(th).wr(th, 0x1234).wr(tl, 0).rd(tl)
    yield "alarm", (Seed().wr(ien, 1).rd(tl).wr(ah, 0).wr(al, 0x1000)
                    .rd(status).wr(clr_irq, 1).wr(clr_alarm, 1))
    yield "any-time", (Seed().wr(th, 0xffffffff).wr(tl, 0xffffff00)
                       .rd(tl).rd(th).wr(ah, 0xffffffff)
                       .wr(al, 0xffffffff).rd(status))


def finisher():
    yield "pass", Seed().wr(0, 0x5555)
    yield "fail", Seed().wr(0, 0x3333 | (7 << 16))
    yield "reset", Seed().wr(0, 0x7777).rd(0)
    yield "junk", Seed().wr(0, 0x1234).wr(8, 0x5555).rd(4, 8)


def virtio_common():
    """Probing and mistakes any virtio-mmio driver can make."""
    yield "probe", (Seed().rd(0x0).rd(0x4).rd(0x8).rd(0xc).wr(0x14, 0)
                    .rd(0x10).wr(0x14, 1).rd(0x10).rd(0xfc).rd(0x100, 8))
    yield "misuse", (Seed().wr(0x70, 0xf).wr(0x30, 99).rd(0x34)
                     .wr(0x38, 1000).wr(0x44, 1).wr(0x50, 5).rd(0x60)
                     .wr(0x64, 3).wr(0x70, 0))


def desc(addr, length, flags=0, nxt=0):
    return struct.pack("<QIHH", addr, length, flags, nxt)


def avail(*heads, idx=None):
    idx = len(heads) if idx is None else idx
    return struct.pack("<HH", 0, idx) + b"".join(
        struct.pack("<H", h) for h in heads)


NEXT, WRITE_ONLY, INDIRECT = 1, 2, 4
RAM_BASE = 0x80000000


def blk_request(seed, req_type, sector, data_len, data_writable):
    hdr, data, status = 0x3000, 0x4000, 0x5000
    seed.ram(hdr, struct.pack("<IIQ", req_type, 0, sector))
    chain = desc(RAM_BASE + hdr, 16, NEXT, 1)
    if data_len:
        chain += desc(RAM_BASE + data, data_len,
                      NEXT | (WRITE_ONLY if data_writable else 0), 2)
        chain += desc(RAM_BASE + status, 1, WRITE_ONLY, 0)
    else:
        chain += desc(RAM_BASE + status, 1, WRITE_ONLY, 0)
    seed.ram(0x0, chain).ram(0x1000, avail(0)).wr(0x50, 0)
    return seed.rd(0x60).wr(0x64, 1).rd(0x2000, 8)


def virtio_blk():
    yield from virtio_common()
    yield "read", blk_request(Seed().virtq(), 0, 0, 512, True)
    yield "write", blk_request(Seed().virtq().ram(0x4000, b"\xa5" * 64),
                               1, 3, 512, False)
    yield "flush", blk_request(Seed().virtq(), 4, 0, 0, False)
    yield "get-id", blk_request(Seed().virtq(), 8, 0, 20, True)
    yield "beyond-end", blk_request(Seed().virtq(), 0, 1 << 40, 512, True)
    yield "loop", (Seed().virtq().ram(0, desc(RAM_BASE, 16, NEXT, 0))
                   .ram(0x1000, avail(0)).wr(0x50, 0).rd(0x70))
    yield "indirect", (Seed().virtq(features=(1 << 32) | (1 << 28))
                       .ram(0x6000, desc(RAM_BASE + 0x3000, 16, NEXT, 1) +
                            desc(RAM_BASE + 0x5000, 1, WRITE_ONLY, 0))
                       .ram(0x3000, struct.pack("<IIQ", 4, 0, 0))
                       .ram(0, desc(RAM_BASE + 0x6000, 32, INDIRECT, 0))
                       .ram(0x1000, avail(0)).wr(0x50, 0).rd(0x60))
    yield "avail-jump", (Seed().virtq().ram(0x1000, avail(0, idx=500))
                         .wr(0x50, 0).rd(0x70))


def virtio_rng():
    yield from virtio_common()
    yield "fill", (Seed().virtq()
                   .ram(0, desc(RAM_BASE + 0x4000, 40, NEXT | WRITE_ONLY, 1) +
                        desc(RAM_BASE + 0x4100, 24, WRITE_ONLY, 0))
                   .ram(0x1000, avail(0)).wr(0x50, 0).rd(0x60).wr(0x64, 1))
    yield "read-only-buffer", (Seed().virtq()
                               .ram(0, desc(RAM_BASE + 0x4000, 16, 0, 0))
                               .ram(0x1000, avail(0)).wr(0x50, 0))
    yield "outside-ram", (Seed().virtq()
                          .ram(0, desc(0x1000, 64, WRITE_ONLY, 0))
                          .ram(0x1000, avail(0)).wr(0x50, 0).rd(0x70))


# The fuzzer's virtio-mem: its region starts at the device memory area
# (the first GiB boundary above the 2 MiB of RAM at 2 GiB), its blocks
# are 2 MiB, and 16 MiB is requested, so eight blocks may be plugged.
VMEM_ADDR = 0xc0000000
VMEM_BLOCK = 2 << 20
PLUG, UNPLUG, UNPLUG_ALL, STATE = range(4)


def mem_request(seed, req_type, gpa, nb_blocks, resp_len=10, req_len=24):
    req, resp = 0x3000, 0x5000
    seed.ram(req, struct.pack("<HHHHQH6x", req_type, 0, 0, 0, gpa,
                              nb_blocks)[:req_len].ljust(req_len, b"\0"))
    chain = (desc(RAM_BASE + req, req_len, NEXT, 1) +
             desc(RAM_BASE + resp, resp_len, WRITE_ONLY, 0))
    seed.ram(0x0, chain).ram(0x1000, avail(0)).wr(0x50, 0)
    return seed.rd(0x60).wr(0x64, 1).rd(0x2000, 8)


def virtio_mem():
    yield from virtio_common()
    yield "config", Seed().rd(0x100, 8).rd(0x110, 8).rd(0x118, 8).rd(0x128, 8)
    yield "plug", mem_request(Seed().virtq(), PLUG, VMEM_ADDR, 2)
    yield "plug-unplug", mem_request(
        mem_request(Seed().virtq(), PLUG, VMEM_ADDR + VMEM_BLOCK, 3),
        UNPLUG, VMEM_ADDR + 2 * VMEM_BLOCK, 1)
    yield "state", mem_request(Seed().virtq(), STATE, VMEM_ADDR, 8)
    yield "unplug-all", mem_request(Seed().virtq(), UNPLUG_ALL, 0, 0)
    yield "too-many", mem_request(Seed().virtq(), PLUG, VMEM_ADDR, 9)
    yield "unaligned", mem_request(Seed().virtq(), PLUG, VMEM_ADDR + 4096, 1)
    yield "below", mem_request(Seed().virtq(), UNPLUG, RAM_BASE, 1)
    yield "bad-type", mem_request(Seed().virtq(), 77, VMEM_ADDR, 1)
    yield "short", mem_request(Seed().virtq(), PLUG, VMEM_ADDR, 1,
                               req_len=12)
    yield "no-room", mem_request(Seed().virtq(), STATE, VMEM_ADDR, 1,
                                 resp_len=4)


def virtio_mmio():
    yield from virtio_common()
    yield "empty-setup", Seed().virtq().wr(0x50, 0).rd(0x70)


DEVICES = {
    "clint": clint,
    "plic": plic,
    "uart": uart,
    "rtc": rtc,
    "test": finisher,
    "virtio-blk": virtio_blk,
    "virtio-rng": virtio_rng,
    "virtio-mem": virtio_mem,
    "virtio-mmio": virtio_mmio,
}


def main(outdir):
    for device, seeds in DEVICES.items():
        d = os.path.join(outdir, device)
        os.makedirs(d, exist_ok=True)
        for name, seed in seeds():
            with open(os.path.join(d, name), "wb") as f:
                f.write(seed.data)
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} OUTDIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
