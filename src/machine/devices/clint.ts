// The CLINT (SiFive's core-local interruptor, which the RISC-V ACLINT spec's MSWI and MTIMER devices
// describe register for register), as QEMU virt maps it at 0x0200_0000:
//
//   0x0000 + 4·h   msip of hart h       (32 bits; bit 0 drives the hart's MSIP)
//   0x4000 + 8·h   mtimecmp of hart h   (64 bits; 4- or 8-byte accesses)
//   0xBFF8         mtime                (64 bits; 4- or 8-byte accesses)
//
// mtime counts the machine's virtual time in TIMEBASE_NS ticks (10 MHz), plus whatever offset a
// write to mtime set. MTIP is a level: high exactly while mtime >= mtimecmp (unsigned, ACLINT
// "MTIMER"). Rather than comparing at every instruction, each write to mtimecmp (or mtime) computes
// the virtual time at which mtime reaches mtimecmp and schedules one event on the machine's queue
// there; the run step cuts the hart's run at that deadline, so MTIP rises at exactly that time.
//
// msip accepts 4-byte accesses only, mtimecmp and mtime 4 or 8 (as QEMU's ACLINT); other sizes are
// refused (an access fault). Registers of harts that do not exist read 0 and ignore writes.
// mtimecmp starts at all ones (no timer interrupt until software sets one; the spec leaves its
// reset value open).

import { TIMEBASE_NS } from "../../hart/csr.js";
import type { Device } from "../bus.js";
import type { EventHandle, EventQueue } from "../events.js";
import { type HartInterruptPins, Irq } from "../interrupts.js";
import { VIRT } from "./virt-map.js";

export const CLINT_BASE = VIRT.clint.base;
export const CLINT_SIZE = VIRT.clint.size;

export const CLINT_MSIP = 0x0;
export const CLINT_MTIMECMP = 0x4000;
export const CLINT_MTIME = 0xbff8;

const U64 = (1n << 64n) - 1n;
const LOW32 = 0xffff_ffffn;

export interface ClintOptions {
  harts: number;
  /** MSIP and MTIP of each hart */
  pins: HartInterruptPins;
  /** the machine's event queue, on which MTIP's rise is scheduled */
  events: EventQueue;
  /** the machine's virtual time in ns */
  now: () => number;
}

export class Clint implements Device {
  readonly name = "clint";
  readonly harts: number;
  private readonly pins: HartInterruptPins;
  private readonly events: EventQueue;
  private readonly now: () => number;
  private readonly msip: Uint8Array;
  private readonly mtimecmp: bigint[];
  private readonly mtip: boolean[];
  private readonly timers: (EventHandle | undefined)[];
  /** mtime minus the ticks of virtual time, mod 2^64 (a write to mtime sets it) */
  private offset = 0n;

  constructor(options: ClintOptions) {
    this.harts = options.harts;
    this.pins = options.pins;
    this.events = options.events;
    this.now = options.now;
    this.msip = new Uint8Array(this.harts);
    this.mtimecmp = new Array<bigint>(this.harts).fill(U64);
    this.mtip = new Array<boolean>(this.harts).fill(false);
    this.timers = new Array<EventHandle | undefined>(this.harts).fill(undefined);
  }

  /**
   * The machine's reset: msip cleared, mtimecmp back to all ones (no timer), pending timers
   * cancelled. mtime keeps counting (QEMU's reset does not rewind the clock either).
   */
  reset(): void {
    for (let h = 0; h < this.harts; h++) {
      this.msip[h] = 0;
      this.pins.set(h, Irq.MSIP, false);
      this.mtimecmp[h] = U64;
      this.update(h);
    }
  }

  /** Ticks of virtual time so far (before the offset); at least those of `atLeast` ns. */
  private ticks(atLeast = 0): bigint {
    return BigInt(Math.floor(Math.max(this.now(), atLeast) / TIMEBASE_NS));
  }

  /** mtime now, as the guest reads it. */
  mtime(): bigint {
    return (this.ticks() + this.offset) & U64;
  }

  /** mtime as a number (exact below 2^53): for the harts' `time` CSR, so both agree. */
  time(): number {
    return Number(this.mtime());
  }

  /** Hart `hart`'s mtimecmp. */
  compare(hart: number): bigint {
    return this.mtimecmp[hart]!;
  }

  read(offset: number, size: number): bigint | undefined {
    if (offset < CLINT_MTIMECMP) {
      if (size !== 4) return undefined;
      const hart = offset >> 2;
      return hart < this.harts ? BigInt(this.msip[hart]!) : 0n;
    }
    if (size !== 4 && size !== 8) return undefined;
    const half = offset & 4;
    let word: bigint;
    if (offset >= CLINT_MTIME) word = this.mtime();
    else {
      const hart = (offset - CLINT_MTIMECMP) >> 3;
      if (hart >= this.harts) return 0n;
      word = this.mtimecmp[hart]!;
    }
    return size === 8 ? word : (word >> BigInt(half * 8)) & LOW32;
  }

  write(offset: number, size: number, value: bigint): boolean {
    if (offset < CLINT_MTIMECMP) {
      if (size !== 4) return false;
      const hart = offset >> 2;
      if (hart < this.harts) {
        this.msip[hart] = Number(value & 1n);
        this.pins.set(hart, Irq.MSIP, this.msip[hart] === 1);
      }
      return true;
    }
    if (size !== 4 && size !== 8) return false;
    if (offset >= CLINT_MTIME) {
      const mtime = merge(this.mtime(), offset & 4, size, value);
      this.offset = (mtime - this.ticks()) & U64;
      for (let h = 0; h < this.harts; h++) this.update(h);
      return true;
    }
    const hart = (offset - CLINT_MTIMECMP) >> 3;
    if (hart < this.harts) {
      this.mtimecmp[hart] = merge(this.mtimecmp[hart]!, offset & 4, size, value);
      this.update(hart);
    }
    return true;
  }

  /**
   * Set hart `hart`'s MTIP to mtime >= mtimecmp and, while it is low, schedule its rise. `atLeast`:
   * the time (ns) of the event calling, which the clock has reached whatever `now` says.
   */
  private update(hart: number, atLeast = 0): void {
    const timer = this.timers[hart];
    if (timer !== undefined) {
      this.events.cancel(timer);
      this.timers[hart] = undefined;
    }
    const cmp = this.mtimecmp[hart]!;
    const level = ((this.ticks(atLeast) + this.offset) & U64) >= cmp;
    if (level !== this.mtip[hart]) {
      this.mtip[hart] = level;
      this.pins.set(hart, Irq.MTIP, level);
    }
    if (level) return;
    // mtime reaches cmp when the tick count reaches cmp - offset: at that many TIMEBASE_NS
    const at = ((cmp - this.offset) & U64) * BigInt(TIMEBASE_NS);
    if (at > BigInt(Number.MAX_SAFE_INTEGER)) return; // beyond any run: never
    this.timers[hart] = this.events.schedule(Number(at), (due) => {
      this.timers[hart] = undefined;
      this.update(hart, due);
    });
  }
}

/** `old` with the `size`-byte `value` written at byte `half` (0 or 4) of it. */
function merge(old: bigint, half: number, size: number, value: bigint): bigint {
  if (size === 8) return value & U64;
  const shift = BigInt(half * 8);
  return (old & ~(LOW32 << shift) & U64) | ((value & LOW32) << shift);
}
