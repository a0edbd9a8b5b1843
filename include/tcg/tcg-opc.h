/*
 * The operations of Grace's intermediate code, one DEF() per opcode.
 *
 * DEF(name, kind, doc): kind says which fields of TCGOp the operation uses
 * (see TCGOpKind in tcg/tcg.h), which the op dumper and the translator's
 * sanity checks rely on.  Registers are indices into the vCPU's register
 * file (CPUState.tcg_regs); "imm" is the op's 64-bit immediate; "pc" and
 * "len" describe the guest instruction the op came from.
 *
 * Semantics are those of 64-bit integer registers.  The "w" forms compute
 * on the low 32 bits and sign-extend the 32-bit result.  Shift counts are
 * taken modulo the operand width.  Division never traps: x / 0 is all
 * ones, x % 0 is x, and the overflowing signed division MIN / -1 gives
 * MIN with remainder 0.
 */

/* Control */
DEF(tb_enter,  ENTER, "first op of a block: exit if asked to, count imm guest insns")
DEF(goto_tb,   GOTO,  "jump to guest pc imm through jump slot arg")
DEF(jmp,       JMP,   "rd = pc + len; jump to guest pc imm through jump slot arg")
DEF(jmp_ind,   JMPI,  "t = (rs1 + imm) & ~1; rd = pc + len; jump to guest pc t")
DEF(lookup_tb, EXIT,  "jump to guest pc imm through the jump cache")
DEF(exit_tb,   EXIT,  "leave the block; the next guest pc is imm")
DEF(exit_env,  NONE,  "leave the block; a helper has set the next guest pc")
DEF(call,      CALL,  "call helper imm(cpu, op); it may raise an exception")
DEF(call_mem,  CALL,  "as call, for helpers that may write guest memory")
DEF(mb,        MB,    "order guest memory accesses as imm's TCG_MO_* bits say")

/* Conditional branches: if (rs1 cond rs2) jump to imm through slot arg */
DEF(brcond_eq,  BR, "branch if rs1 == rs2")
DEF(brcond_ne,  BR, "branch if rs1 != rs2")
DEF(brcond_lt,  BR, "branch if rs1 < rs2, signed")
DEF(brcond_ge,  BR, "branch if rs1 >= rs2, signed")
DEF(brcond_ltu, BR, "branch if rs1 < rs2, unsigned")
DEF(brcond_geu, BR, "branch if rs1 >= rs2, unsigned")

/* Moves */
DEF(movi, MOVI, "rd = imm")
DEF(mov,  MOV,  "rd = rs1")

/* 64-bit arithmetic, register-register */
DEF(add,    ALU, "rd = rs1 + rs2")
DEF(sub,    ALU, "rd = rs1 - rs2")
DEF(and,    ALU, "rd = rs1 & rs2")
DEF(or,     ALU, "rd = rs1 | rs2")
DEF(xor,    ALU, "rd = rs1 ^ rs2")
DEF(shl,    ALU, "rd = rs1 << (rs2 & 63)")
DEF(shr,    ALU, "rd = rs1 >> (rs2 & 63), logical")
DEF(sar,    ALU, "rd = rs1 >> (rs2 & 63), arithmetic")
DEF(setlt,  ALU, "rd = rs1 < rs2, signed")
DEF(setltu, ALU, "rd = rs1 < rs2, unsigned")
DEF(mul,    ALU, "rd = low 64 bits of rs1 * rs2")
DEF(mulsh,  ALU, "rd = high 64 bits of rs1 * rs2, both signed")
DEF(mulsuh, ALU, "rd = high 64 bits of rs1 * rs2, rs1 signed, rs2 unsigned")
DEF(muluh,  ALU, "rd = high 64 bits of rs1 * rs2, both unsigned")
DEF(div,    ALU, "rd = rs1 / rs2, signed")
DEF(divu,   ALU, "rd = rs1 / rs2, unsigned")
DEF(rem,    ALU, "rd = rs1 % rs2, signed")
DEF(remu,   ALU, "rd = rs1 % rs2, unsigned")

/* 64-bit arithmetic, register-immediate */
DEF(addi,    ALUI, "rd = rs1 + imm")
DEF(andi,    ALUI, "rd = rs1 & imm")
DEF(ori,     ALUI, "rd = rs1 | imm")
DEF(xori,    ALUI, "rd = rs1 ^ imm")
DEF(shli,    ALUI, "rd = rs1 << imm")
DEF(shri,    ALUI, "rd = rs1 >> imm, logical")
DEF(sari,    ALUI, "rd = rs1 >> imm, arithmetic")
DEF(setlti,  ALUI, "rd = rs1 < imm, signed")
DEF(setltiu, ALUI, "rd = rs1 < imm, unsigned")

/* 32-bit arithmetic, result sign-extended to 64 bits */
DEF(addw,  ALU,  "rd = sext32(rs1 + rs2)")
DEF(subw,  ALU,  "rd = sext32(rs1 - rs2)")
DEF(shlw,  ALU,  "rd = sext32(rs1 << (rs2 & 31))")
DEF(shrw,  ALU,  "rd = sext32((uint32)rs1 >> (rs2 & 31))")
DEF(sarw,  ALU,  "rd = sext32((int32)rs1 >> (rs2 & 31))")
DEF(mulw,  ALU,  "rd = sext32(rs1 * rs2)")
DEF(divw,  ALU,  "rd = sext32((int32)rs1 / (int32)rs2)")
DEF(divuw, ALU,  "rd = sext32((uint32)rs1 / (uint32)rs2)")
DEF(remw,  ALU,  "rd = sext32((int32)rs1 % (int32)rs2)")
DEF(remuw, ALU,  "rd = sext32((uint32)rs1 % (uint32)rs2)")
DEF(addiw, ALUI, "rd = sext32(rs1 + imm)")
DEF(shliw, ALUI, "rd = sext32(rs1 << imm)")
DEF(shriw, ALUI, "rd = sext32((uint32)rs1 >> imm)")
DEF(sariw, ALUI, "rd = sext32((int32)rs1 >> imm)")

/* Guest memory through the softmmu TLB of mmu index arg; address rs1 + imm */
DEF(ld8u,  LD, "rd = zero-extended byte")
DEF(ld8s,  LD, "rd = sign-extended byte")
DEF(ld16u, LD, "rd = zero-extended halfword")
DEF(ld16s, LD, "rd = sign-extended halfword")
DEF(ld32u, LD, "rd = zero-extended word")
DEF(ld32s, LD, "rd = sign-extended word")
DEF(ld64,  LD, "rd = doubleword")
DEF(st8,   ST, "store the low byte of rs2")
DEF(st16,  ST, "store the low halfword of rs2")
DEF(st32,  ST, "store the low word of rs2")
DEF(st64,  ST, "store rs2")
