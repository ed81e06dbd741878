// gdb's breakpoints as instruction probes (machine/probes.ts): a hook that stops the hart before the
// instruction (Probes.stop), placed and removed by address. Nothing is written into the guest.

import type { HartView } from "../hart/probe-sink.js";
import { ProbeError, type Probes, type Registration } from "../machine/probes.js";

export class Breakpoints {
  private readonly placed = new Map<number, Registration>();

  /**
   * @param probes the machine's probe seam
   * @param hit called when a hart reaches a breakpoint: true stops it there (the target records
   *   why), false lets it go on (a hart the debugger does not debug, or one already stopped)
   */
  constructor(
    private readonly probes: Probes,
    private readonly hit: (view: HartView) => boolean,
  ) {}

  /** A breakpoint at addr (markIn: the hart whose memory takes it): undefined, or why it cannot be placed. */
  set(addr: number, markIn?: number): string | undefined {
    if (this.placed.has(addr)) return undefined;
    try {
      const hook = this.probes.onInstruction(
        addr,
        (view) => {
          if (this.hit(view)) this.probes.stop();
        },
        markIn,
      );
      this.placed.set(addr, hook);
      return undefined;
    } catch (e) {
      if (e instanceof ProbeError) return e.message;
      throw e;
    }
  }

  clear(addr: number): void {
    this.placed.get(addr)?.remove();
    this.placed.delete(addr);
  }

  clearAll(): void {
    for (const r of this.placed.values()) r.remove();
    this.placed.clear();
  }
}
