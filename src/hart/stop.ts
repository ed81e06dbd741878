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
  /** an exception: cause and tval in the hart, pc at the faulting instruction, not retired */
  FAULT: 3,
  /**
   * a probe hook threw: the error is in `Hart.hookError`, pc at the probed instruction, which has
   * not executed; the next run executes it without firing its probe again
   */
  HOOK_ERROR: 4,
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
} as const;
