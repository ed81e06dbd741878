// A GuestMemory over a bus with bare translation: virtual = physical, what a hart sees in M-mode and
// with satp = 0 (Privileged ISA, "Supervisor Address Translation and Protection Register"). The
// full system's Sv39/Sv48 walks go on top of this, turning a virtual page into a physical one first.
//
// A RAM page translates to its host offset; a device page answers XLATE_DEVICE, and the MMU's slow
// path performs the access through ioLoad/ioStore; nothing mapped (and fetching from a device) is an
// access fault. The decoded-instruction cache and the probes are the ones every memory uses
// (hart/decoded-pages.ts).

import { DecodedPages } from "../hart/decoded-pages.js";
import {
  ACCESS_EXEC,
  type GuestMemory,
  PAGE_MASK,
  PAGE_SIZE,
  type TlbHolder,
  XLATE_ACCESS_FAULT,
  XLATE_DEVICE,
} from "../hart/memory.js";
import type { Bus, RamRegion } from "./bus.js";

const TWO32 = 4294967296;
/** Addresses from 2^53 up are not exact as numbers; the bus maps nothing there. */
const HI_LIMIT = 2 ** 21;

export class PhysicalMemory implements GuestMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly bounce: number;
  readonly tlbHolders = new Set<TlbHolder>();
  /** pages that became code (part of generation) */
  private codeGeneration = 0;
  readonly code = new DecodedPages(this.tlbHolders, () => this.codeGeneration++);

  constructor(readonly bus: Bus) {
    this.bytes = bus.bytes;
    this.view = bus.view;
    this.bounce = bus.bounce;
  }

  /** Changes with the bus's map and when a page becomes code. */
  get generation(): number {
    return this.bus.generation + this.codeGeneration;
  }

  /**
   * Host offset of the RAM page holding physical (hi:lo); XLATE_DEVICE for a device's page (not for
   * a fetch); XLATE_ACCESS_FAULT otherwise. Nothing changes either way, so `peek` needs no care.
   */
  translate(lo: number, hi: number, access: number, _peek?: boolean): number {
    if (hi >>> 0 >= HI_LIMIT) return XLATE_ACCESS_FAULT;
    const pa = hi * TWO32 + (lo >>> 0);
    const r = this.bus.find(pa);
    if (r === undefined) return XLATE_ACCESS_FAULT;
    if (r.kind === "ram") return r.host + (pa - r.base) - (lo & PAGE_MASK);
    return access === ACCESS_EXEC ? XLATE_ACCESS_FAULT : XLATE_DEVICE;
  }

  ioLoad(lo: number, hi: number, size: number, out: Int32Array): boolean {
    if (hi >>> 0 >= HI_LIMIT) return false;
    const v = this.bus.readDevice(hi * TWO32 + (lo >>> 0), size);
    if (v === undefined) return false;
    out[0] = Number(v & 0xffffffffn) | 0;
    out[1] = Number(v >> 32n) | 0;
    return true;
  }

  ioStore(lo: number, hi: number, size: number, vlo: number, vhi: number): boolean {
    if (hi >>> 0 >= HI_LIMIT) return false;
    const value = (BigInt(vhi >>> 0) << 32n) | BigInt(vlo >>> 0);
    return this.bus.writeDevice(hi * TWO32 + (lo >>> 0), size, value);
  }

  // ---- loaders' side (firmware, kernel, device tree images): RAM only ----

  /** Copy `data` into RAM at physical pa (decoded instructions it overwrites are dropped). */
  write(pa: number, data: Uint8Array): void {
    const at = this.hostRange(pa, data.length);
    this.bytes.set(data, at);
    for (let done = 0; done < data.length; ) {
      const n = Math.min(data.length - done, PAGE_SIZE - ((at + done) & PAGE_MASK));
      if (this.code.codePageIfAny(at + done) !== undefined) this.code.noteCodeWrite(at + done, n);
      done += n;
    }
  }

  /** A copy of `length` bytes of RAM at physical pa. */
  read(pa: number, length: number): Uint8Array {
    const at = this.hostRange(pa, length);
    return this.bytes.slice(at, at + length);
  }

  /** Host offset of physical [pa, pa + length), which must lie in one RAM region. */
  private hostRange(pa: number, length: number): number {
    const r = this.bus.find(pa);
    if (r === undefined || r.kind !== "ram" || pa + length > r.base + r.size) {
      throw new RangeError(`no RAM at physical [0x${pa.toString(16)}, 0x${(pa + length).toString(16)})`);
    }
    return (r as RamRegion).host + (pa - r.base);
  }
}
