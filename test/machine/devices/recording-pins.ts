// A HartInterruptPins that records every change with the virtual time it happened at, so a test can
// assert exactly which pins the CLINT and the PLIC drove, in order and when.

import type { HartInterruptPins } from "../../../src/machine/interrupts.js";

export interface PinChange {
  hart: number;
  bit: number;
  level: boolean;
  /** the clock's time (ns) at the change */
  at: number;
}

export class RecordingPins implements HartInterruptPins {
  readonly log: PinChange[] = [];
  private readonly levels = new Map<string, boolean>();

  constructor(private readonly clock: () => number = () => 0) {}

  set(hart: number, bit: number, level: boolean): void {
    const key = `${hart}:${bit}`;
    if ((this.levels.get(key) ?? false) === level) {
      throw new Error(`pin ${key} set to ${level} again: controllers must report changes only`);
    }
    this.levels.set(key, level);
    this.log.push({ hart, bit, level, at: this.clock() });
  }

  level(hart: number, bit: number): boolean {
    return this.levels.get(`${hart}:${bit}`) ?? false;
  }

  /** The log without times, and emptied. */
  take(): Omit<PinChange, "at">[] {
    const out = this.log.map(({ hart, bit, level }) => ({ hart, bit, level }));
    this.log.length = 0;
    return out;
  }
}
