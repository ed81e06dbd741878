// Instruction class bits, stored per table entry. Kept apart from table.ts and classes.ts so both can
// import them without an import cycle; classes.ts re-exports them.

/** Changes control flow: branches, jumps (jal, jalr, c.j, c.jr, ...). */
export const CONTROL = 1 << 0;
/** Result depends on the instruction's own pc: auipc, jal, branches. */
export const PC_REL = 1 << 1;
/** Load-reserved / store-conditional. */
export const LRSC = 1 << 2;
/** Atomic memory operation (amo*). */
export const AMO = 1 << 3;
/** SYSTEM opcode: ecall, ebreak, csr*, mret, sret, wfi, sfence.vma. */
export const SYSTEM = 1 << 4;
/** ebreak or c.ebreak. */
export const EBREAK = 1 << 5;
/** Reads memory (loads, LR, AMOs). */
export const LOAD = 1 << 6;
/** Writes memory (stores, SC, AMOs). */
export const STORE = 1 << 7;
/** F or D extension instruction. */
export const FP = 1 << 8;
/** Conditional branch (also CONTROL). */
export const BRANCH = 1 << 9;
/** fence, fence.i, sfence.vma. */
export const FENCE = 1 << 10;
