/*
 * layout.h: constants shared by crt0.S and the C runtime: per-hart stack
 * sizes and the trap frame layout.
 */
#ifndef TCG_LAYOUT_H
#define TCG_LAYOUT_H

#include "riscv.h"

#define MAX_HARTS 64                /* Grace's -smp limit */
#define STACK_SHIFT 15              /* 32 KiB of stack per hart */
#define TRAP_STACK_SHIFT 12         /* 4 KiB M and S trap stacks per hart */

/* struct trap_frame: x0..x31 (x0's slot unused), then four CSRs */
#define FRAME_EPC (32 * 8)
#define FRAME_STATUS (33 * 8)
#define FRAME_CAUSE (34 * 8)
#define FRAME_TVAL (35 * 8)
#define FRAME_SIZE (36 * 8)

#endif /* TCG_LAYOUT_H */
