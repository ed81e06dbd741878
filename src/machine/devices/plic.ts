// The PLIC (RISC-V Platform-Level Interrupt Controller Specification 1.0.0), as QEMU virt has it at
// 0x0C00_0000: 96 level-triggered sources, priorities 0..7, and two contexts per hart — context 2·h
// is hart h's M-mode (it drives MEIP), 2·h + 1 its S-mode (SEIP).
//
//   0x000000 + 4·s            priority of source s (0 never interrupts; source 0 does not exist)
//   0x001000 + 4·w            pending bits of sources 32·w .. 32·w + 31 (read-only)
//   0x002000 + 0x80·c + 4·w   enable bits of context c
//   0x200000 + 0x1000·c       priority threshold of context c
//   0x200004 + 0x1000·c       claim (read) / complete (write) of context c
//
// The gateway of a level-triggered source (spec "Interrupt Gateways"): while the source is not in
// service its pending bit follows its line (as QEMU's virt PLIC does: a line that drops before the
// claim leaves nothing to claim); a claim takes the source into service and clears its pending bit;
// a completion takes it out of service, and if the line is still high the source is pending again.
// A context's output is high while some pending source enabled for it has a priority above its
// threshold; a claim returns the one with the highest priority, the lowest id among equals, or 0.
// A completion for a source not enabled for the context is ignored (spec "Interrupt Completion").
//
// Registers take 4-byte accesses only (others are access faults, as in QEMU); registers of contexts
// or sources that do not exist read 0 and ignore writes.

import type { Device } from "../bus.js";
import { type HartInterruptPins, type InterruptController, Irq } from "../interrupts.js";
import { VIRT, VIRT_PLIC_PRIORITY_MAX, VIRT_PLIC_SOURCES } from "./virt-map.js";

export const PLIC_BASE = VIRT.plic.base;
export const PLIC_SIZE = VIRT.plic.size;

export const PLIC_PRIORITY = 0x0;
export const PLIC_PENDING = 0x1000;
export const PLIC_ENABLE = 0x2000;
export const PLIC_ENABLE_STRIDE = 0x80;
export const PLIC_CONTEXT = 0x20_0000;
export const PLIC_CONTEXT_STRIDE = 0x1000;

export interface PlicOptions {
  harts: number;
  /** MEIP and SEIP of each hart */
  pins: HartInterruptPins;
  /** sources 1..sources exist (default: QEMU virt's 96) */
  sources?: number;
  /** the highest priority; a power of two minus one (default: QEMU virt's 7) */
  maxPriority?: number;
}

export class Plic implements Device, InterruptController {
  readonly name = "plic";
  readonly sources: number;
  readonly contexts: number;
  private readonly pins: HartInterruptPins;
  private readonly maxPriority: number;
  /** 32-bit words of bits per source set (source 0 included) */
  private readonly words: number;
  private readonly priority: Uint8Array;
  private readonly level: Uint8Array;
  private readonly pending: Uint8Array;
  private readonly inService: Uint8Array;
  /** context c's enable word w at c * words + w */
  private readonly enable: Uint32Array;
  private readonly threshold: Uint8Array;
  /** each context's output, as last driven */
  private readonly output: Uint8Array;

  constructor(options: PlicOptions) {
    this.sources = options.sources ?? VIRT_PLIC_SOURCES;
    this.maxPriority = options.maxPriority ?? VIRT_PLIC_PRIORITY_MAX;
    if (this.sources < 1 || this.sources > 1023) {
      throw new RangeError(`plic: ${this.sources} sources (1..1023 possible)`);
    }
    this.contexts = 2 * options.harts;
    if (options.harts < 1 || this.contexts > (PLIC_SIZE - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE) {
      throw new RangeError(`plic: ${options.harts} harts (1..512 fit its register map)`);
    }
    this.pins = options.pins;
    this.words = (this.sources + 32) >> 5;
    const n = this.sources + 1;
    this.priority = new Uint8Array(n);
    this.level = new Uint8Array(n);
    this.pending = new Uint8Array(n);
    this.inService = new Uint8Array(n);
    this.enable = new Uint32Array(this.contexts * this.words);
    this.threshold = new Uint8Array(this.contexts);
    this.output = new Uint8Array(this.contexts);
  }

  /** A device's line into source `source` is now at `level`. */
  setSourceLevel(source: number, level: boolean): void {
    if (source < 1 || source > this.sources) {
      throw new RangeError(`plic: no source ${source} (1..${this.sources})`);
    }
    this.level[source] = level ? 1 : 0;
    if (this.inService[source] === 0) this.pending[source] = this.level[source]!;
    this.drive();
  }

  /** Whether source `source` is pending (for tests and inspection). */
  isPending(source: number): boolean {
    return this.pending[source] === 1;
  }

  read(offset: number, size: number): bigint | undefined {
    if (size !== 4) return undefined;
    if (offset < PLIC_PENDING) {
      const s = offset >> 2;
      return s <= this.sources ? BigInt(this.priority[s]!) : 0n;
    }
    if (offset < PLIC_ENABLE) {
      const w = (offset - PLIC_PENDING) >> 2;
      return w < this.words ? BigInt(this.bitsOf(this.pending, w)) : 0n;
    }
    if (offset < PLIC_CONTEXT) {
      const c = Math.floor((offset - PLIC_ENABLE) / PLIC_ENABLE_STRIDE);
      const w = ((offset - PLIC_ENABLE) % PLIC_ENABLE_STRIDE) >> 2;
      return c < this.contexts && w < this.words ? BigInt(this.enable[c * this.words + w]!) : 0n;
    }
    const c = Math.floor((offset - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE);
    if (c >= this.contexts) return 0n;
    switch ((offset - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE) {
      case 0:
        return BigInt(this.threshold[c]!);
      case 4:
        return BigInt(this.claim(c));
      default:
        return 0n;
    }
  }

  write(offset: number, size: number, value: bigint): boolean {
    if (size !== 4) return false;
    const v = Number(value & 0xffff_ffffn);
    if (offset < PLIC_PENDING) {
      const s = offset >> 2;
      if (s >= 1 && s <= this.sources) {
        this.priority[s] = v & this.maxPriority;
        this.drive();
      }
      return true;
    }
    if (offset < PLIC_ENABLE) return true; // pending bits are read-only
    if (offset < PLIC_CONTEXT) {
      const c = Math.floor((offset - PLIC_ENABLE) / PLIC_ENABLE_STRIDE);
      const w = ((offset - PLIC_ENABLE) % PLIC_ENABLE_STRIDE) >> 2;
      if (c < this.contexts && w < this.words) {
        this.enable[c * this.words + w] = (v & this.validBits(w)) >>> 0;
        this.drive();
      }
      return true;
    }
    const c = Math.floor((offset - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE);
    if (c >= this.contexts) return true;
    switch ((offset - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE) {
      case 0:
        this.threshold[c] = v & this.maxPriority;
        this.drive();
        break;
      case 4:
        this.complete(c, v);
        break;
    }
    return true;
  }

  /** Claim for context c: the best interrupt it may take, now in service; 0 when there is none. */
  private claim(c: number): number {
    const s = this.best(c);
    if (s !== 0) {
      this.inService[s] = 1;
      this.pending[s] = 0;
      this.drive();
    }
    return s;
  }

  private complete(c: number, s: number): void {
    if (s < 1 || s > this.sources || !this.enabled(c, s)) return;
    this.inService[s] = 0;
    this.pending[s] = this.level[s]!;
    this.drive();
  }

  /** The pending source enabled for c with the highest priority above c's threshold (lowest id first). */
  private best(c: number): number {
    let best = 0;
    let bestPriority = this.threshold[c]!;
    for (let s = 1; s <= this.sources; s++) {
      if (this.pending[s] === 1 && this.priority[s]! > bestPriority && this.enabled(c, s)) {
        best = s;
        bestPriority = this.priority[s]!;
      }
    }
    return best;
  }

  private enabled(c: number, s: number): boolean {
    return ((this.enable[c * this.words + (s >> 5)]! >>> (s & 31)) & 1) === 1;
  }

  /** Drive each context's pin: MEIP for even contexts, SEIP for odd ones. */
  private drive(): void {
    for (let c = 0; c < this.contexts; c++) {
      const out = this.best(c) !== 0 ? 1 : 0;
      if (out === this.output[c]) continue;
      this.output[c] = out;
      this.pins.set(c >> 1, (c & 1) === 0 ? Irq.MEIP : Irq.SEIP, out === 1);
    }
  }

  /** Word w of a per-source byte array as bits. */
  private bitsOf(bytes: Uint8Array, w: number): number {
    let bits = 0;
    for (let k = 0; k < 32; k++) {
      const s = w * 32 + k;
      if (s <= this.sources && bytes[s] === 1) bits |= 1 << k;
    }
    return bits >>> 0;
  }

  /** The bits of enable word w that name existing sources (source 0 is not one). */
  private validBits(w: number): number {
    let bits = 0;
    for (let k = 0; k < 32; k++) {
      const s = w * 32 + k;
      if (s >= 1 && s <= this.sources) bits |= 1 << k;
    }
    return bits;
  }
}
