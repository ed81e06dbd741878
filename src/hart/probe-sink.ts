// The seam between a hart and whoever watches it (the tracer, gdb, tests): a hart calls its
// ProbeSink before a probed instruction executes, with a read-only view of itself. A leaf module.
//
// The view is exact at that instruction whichever engine ran the code before it: `retired` counts
// every instruction this hart retired before the probed one. It cannot change the guest: registers
// are read-only, and memory reads go through the hart's translation without faulting, filling a
// TLB, decoding or writing anything.

export interface HartView {
  /** the hart's id (its thread id in user mode, its hartid in the full system) */
  readonly id: number;
  /** address of the instruction about to execute */
  readonly pc: number;
  /** instructions this hart retired before this one */
  readonly retired: number;
  /** x register i as an unsigned 64-bit value (x0 is 0) */
  x(i: number): bigint;
  /** x register i as a number: exact while |value| < 2^53 (addresses, small integers) */
  xNumber(i: number): number;
  /** raw bits of f register i */
  f(i: number): bigint;
  /** `length` bytes of virtual memory at va as the hart sees it now, or undefined if any is unreadable */
  read(va: number, length: number): Uint8Array | undefined;
}

export interface ProbeSink {
  /**
   * The probed instruction at view.pc is about to execute. The view is valid during the call only.
   * Returns false to stop the hart before it (Stop.PROBE: a debugger's breakpoint); the next run
   * executes it without calling the sink again.
   */
  instruction(view: HartView): boolean;
  /**
   * Optional, for speed: the hooks of probed address pc as one object, the same object while pc stays
   * probed (undefined when it is not). Compiled code holds it and calls it directly, with no lookup
   * per firing.
   */
  site?(pc: number): ProbeSite | undefined;
  /**
   * Optional: the hart's translation may map code it did not (a satp write, a mode change, an
   * SFENCE.VMA after new page-table entries): a debugger places breakpoints it could not place yet.
   */
  translationChanged?(): void;
}

/** The hooks of one probed address (ProbeSink.site). */
export interface ProbeSite {
  /** the sink it belongs to (a hart whose sink changed calls its new sink instead) */
  readonly sink: ProbeSink;
  /** As `sink.instruction(view)` at this address, but it never throws: the sink keeps its hooks' errors. */
  fire(view: HartView): boolean;
}
