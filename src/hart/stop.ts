// Why a hart's run returned, and the architectural causes of its traps: a leaf module, so that
// engines, environments and tools name them from one place.

/** Why `Hart.run` returned. */
export const Stop = {
  /** the budget is spent (or nothing could run: a budget of 0) */
  BUDGET: 0,
  /** at an ECALL: cause ECALL_U (user mode), pc at the instruction, retired already counts it */
  ECALL: 1,
  /** at an EBREAK: cause BREAKPOINT, tval = pc; not retired */
  EBREAK: 2,
  /**
   * an exception: cause and tval in the hart, pc at the faulting instruction, not retired; or, in
   * the full system, an interrupt to take: cause Cause.INTERRUPT + its code, tval 0, pc where it
   * returns to (an instruction not executed yet). The environment takes either (Hart.takeTrap).
   */
  FAULT: 3,
  /**
   * a probe stopped the hart before the probed instruction (pc), which has not executed: its sink
   * asked to stop (a debugger's breakpoint: `Hart.hookError` undefined) or threw (the error is in
   * `Hart.hookError`); the next run executes it without firing its probe again
   */
  PROBE: 4,
} as const;
export type StopCode = (typeof Stop)[keyof typeof Stop];

/** Exception causes (Privileged ISA, table "mcause values after trap"). */
export const Cause = {
  MISALIGNED_FETCH: 0,
  FETCH_ACCESS: 1,
  ILLEGAL_INSTRUCTION: 2,
  BREAKPOINT: 3,
  MISALIGNED_LOAD: 4,
  LOAD_ACCESS: 5,
  MISALIGNED_STORE: 6,
  STORE_ACCESS: 7,
  ECALL_U: 8,
  ECALL_S: 9,
  ECALL_M: 11,
  FETCH_PAGE_FAULT: 12,
  LOAD_PAGE_FAULT: 13,
  STORE_PAGE_FAULT: 15,
  /** added to an interrupt's code in a cause (mcause bit 63 in the CSR): a number from 2^31 up */
  INTERRUPT: 0x8000_0000,
} as const;

/** Interrupt codes, which are also their bit numbers in mip and mie (Privileged ISA, "mcause"). */
export const Irq = {
  SSI: 1,
  MSI: 3,
  STI: 5,
  MTI: 7,
  SEI: 9,
  MEI: 11,
} as const;
