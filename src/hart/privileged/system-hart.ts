// What the privileged architecture (csrs.ts, traps.ts) sees of a hart, and how a rare instruction
// tells the interpreter where to go on: a leaf module, so that the CSR table, the semantics rows of
// the system instructions and the engines share it without import cycles.

/** executeRare's answers. */
export const Rare = {
  /** it trapped: cause and tval recorded, pc at the instruction, not retired */
  TRAP: 0,
  /** done: go on with the next instruction */
  NEXT: 1,
  /** done: go on at state pc, translated anew (xRET, SFENCE.VMA, a write to satp or mstatus) */
  JUMP: 2,
  /** done: leave the run with `hart.rareStop`, pc (state) where to resume */
  STOP: 3,
} as const;

/**
 * A stop code the interpreter (and the block compiler's run loop) leaves with after a WFI that has
 * something to wait for: Hart.run returns Stop.BUDGET early, with `Hart.wfi` set.
 */
export const STOP_WFI = -2;

/**
 * A stop code the interpreter leaves with after a CSR write that changed how the hart must run: the
 * FP unit switched on or off (the interpreter for FS = Off differs), or Sstc's deadline may have
 * moved. Hart.run sets the run up again (interrupts, the deadline, the interpreter) and runs on.
 */
export const STOP_RECHECK = -3;

/**
 * A stop code the interpreter leaves with after a WFI that completed at once because an interrupt is
 * pending in mie but cannot be taken (masked by mstatus or delegation): a loop around it spins, as
 * OpenSBI 1.1's harts waiting for HSM start do with their MSIP still set. Hart.run ends its run
 * there (Hart.wfiSpins), so that a machine can let its other harts run instead.
 */
export const STOP_WFI_SPIN = -4;

export interface SystemHart {
  /** the hart's id: mhartid */
  readonly id: number;
  readonly state: { readonly r: Int32Array; readonly fd: Float64Array };
  /** privilege mode: 0 user, 1 supervisor, 3 machine (the state's PRIV word) */
  priv: number;
  /** instructions retired by this hart */
  readonly retired: number;
  /** the `time` CSR: the platform timer, in ticks */
  timeTicks(): number;
  /**
   * What translation depends on may have changed (privilege, satp, mstatus.MPRV/MPP/SUM/MXR, and
   * PMP when `pmp`): the hart's TLBs (and its compiled code's) are flushed when it did.
   */
  translationChanged(pmp?: boolean): void;
  /** SFENCE.VMA: drop this hart's translations of virtual page vpn, or all of them (vpn undefined) */
  fenceTranslations(vpn?: number): void;
  /** record an illegal-instruction trap for the instruction at pc; returns Rare.TRAP */
  illegal(pc: number): number;
  /** the stop a Rare.STOP leaves the run with */
  rareStop: number;
}
