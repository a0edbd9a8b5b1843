"""Read a flattened device tree (the binary -M virt,dumpdtb= writes).

The format (devicetree.org specification, "Flattened Devicetree Format"):
a header of big-endian 32-bit words (magic 0xd00dfeed, totalsize,
off_dt_struct, off_dt_strings, ...), a structure block of tokens
(BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END, each padded
to 4 bytes) and a strings block holding the property names.
"""

import struct

FDT_MAGIC = 0xd00dfeed
FDT_BEGIN_NODE, FDT_END_NODE, FDT_PROP, FDT_NOP, FDT_END = 1, 2, 3, 4, 9


class FdtError(Exception):
    pass


class Node:
    def __init__(self, name, parent=None):
        self.name = name
        self.parent = parent
        self.props = {}
        self.children = []

    @property
    def path(self):
        if self.parent is None:
            return "/"
        parent = self.parent.path
        return (parent if parent.endswith("/") else parent + "/") + self.name

    def child(self, name):
        for c in self.children:
            if c.name == name:
                return c
        return None

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def has(self, prop):
        return prop in self.props

    def u32s(self, prop):
        raw = self.props[prop]
        if len(raw) % 4:
            raise FdtError(f"{self.path}:{prop} is not a list of cells")
        return list(struct.unpack(f">{len(raw) // 4}I", raw))

    def u32(self, prop):
        cells = self.u32s(prop)
        if len(cells) != 1:
            raise FdtError(f"{self.path}:{prop} has {len(cells)} cells")
        return cells[0]

    def strings(self, prop):
        raw = self.props[prop]
        if not raw.endswith(b"\0"):
            raise FdtError(f"{self.path}:{prop} is not NUL-terminated")
        return [s.decode() for s in raw[:-1].split(b"\0")]

    def string(self, prop):
        return self.strings(prop)[0]

    def compatible(self):
        return self.strings("compatible") if self.has("compatible") else []

    def __repr__(self):
        return f"<Node {self.path}>"


class Fdt:
    def __init__(self, data):
        if len(data) < 40:
            raise FdtError("shorter than an FDT header")
        (magic, totalsize, off_struct, off_strings, _off_rsvmap, version,
         _last_comp, _boot_cpu, size_strings, size_struct) = \
            struct.unpack(">10I", data[:40])
        if magic != FDT_MAGIC:
            raise FdtError(f"bad magic 0x{magic:08x}")
        # A blob may sit in a larger buffer (QEMU dumps its whole one).
        if totalsize > len(data):
            raise FdtError(f"totalsize {totalsize} but only {len(data)} "
                           f"bytes")
        if version < 17:
            raise FdtError(f"version {version} < 17")
        self.version = version
        self._strings = data[off_strings:off_strings + size_strings]
        self.root = self._parse(data[off_struct:off_struct + size_struct])

    def _string(self, off):
        end = self._strings.index(b"\0", off)
        return self._strings[off:end].decode()

    def _parse(self, block):
        pos = 0
        root = None
        node = None

        def align(p):
            return (p + 3) & ~3

        while True:
            (token,) = struct.unpack_from(">I", block, pos)
            pos += 4
            if token == FDT_BEGIN_NODE:
                end = block.index(b"\0", pos)
                name = block[pos:end].decode()
                pos = align(end + 1)
                new = Node(name, node)
                if node is None:
                    if root is not None:
                        raise FdtError("two root nodes")
                    root = new
                else:
                    node.children.append(new)
                node = new
            elif token == FDT_END_NODE:
                if node is None:
                    raise FdtError("END_NODE without a node")
                node = node.parent
            elif token == FDT_PROP:
                length, nameoff = struct.unpack_from(">II", block, pos)
                pos += 8
                if node is None:
                    raise FdtError("property outside a node")
                node.props[self._string(nameoff)] = bytes(
                    block[pos:pos + length])
                pos = align(pos + length)
            elif token == FDT_NOP:
                continue
            elif token == FDT_END:
                if node is not None or root is None:
                    raise FdtError("unbalanced nodes at END")
                return root
            else:
                raise FdtError(f"bad token {token} at {pos - 4}")

    def node(self, path):
        node = self.root
        for part in path.strip("/").split("/"):
            if part:
                node = node.child(part) if node else None
        return node

    def by_compatible(self, compat):
        return [n for n in self.root.walk() if compat in n.compatible()]

    def by_phandle(self, phandle):
        for n in self.root.walk():
            if n.has("phandle") and n.u32("phandle") == phandle:
                return n
        return None


def reg_pairs(node):
    """A node's reg as (address, size) pairs, for #address-cells =
    #size-cells = 2, which the virt board uses everywhere."""
    cells = node.u32s("reg")
    return [((cells[i] << 32) | cells[i + 1], (cells[i + 2] << 32) |
             cells[i + 3]) for i in range(0, len(cells), 4)]
