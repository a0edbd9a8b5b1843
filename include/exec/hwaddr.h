/*
 * Guest physical addresses.
 */
#ifndef EXEC_HWADDR_H
#define EXEC_HWADDR_H

typedef uint64_t hwaddr;
#define HWADDR_MAX UINT64_MAX
#define HWADDR_PRIx PRIx64
#define HWADDR_PRIX PRIX64
#define HWADDR_PRId PRId64

/* Attributes of a memory transaction. */
typedef struct MemTxAttrs {
    unsigned int unspecified:1;
    unsigned int user:1;        /* made by an unprivileged access */
    unsigned int debug:1;       /* from the monitor or a debugger */
} MemTxAttrs;

#define MEMTXATTRS_UNSPECIFIED ((MemTxAttrs) { .unspecified = 1 })

typedef uint32_t MemTxResult;
#define MEMTX_OK            0
#define MEMTX_ERROR         (1U << 0)   /* the device reported an error */
#define MEMTX_DECODE_ERROR  (1U << 1)   /* nothing at that address, or an
                                           access the device does not allow */

#endif /* EXEC_HWADDR_H */
