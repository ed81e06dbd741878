// Physical memory protection (Privileged ISA 1.12, "Physical Memory Protection"): 64 entries of
// pmpcfg bytes and pmpaddr registers, granularity 4 bytes (G = 0), so OFF, TOR, NA4 and NAPOT are
// all selectable. The lowest-numbered entry that matches an address decides; an S or U access no
// entry matches fails; M-mode accesses are checked only against locked entries.
//
// The registers are compiled into byte ranges when written, and a check answers for a 4 KiB page
// whenever it can: the MMU caches translations per page, so it is told when the decision holds only
// for the address itself (an entry covering part of the page), and then caches nothing.

import { ACCESS_EXEC, ACCESS_WRITE } from "../memory.js";
import { PAGE_SIZE } from "../page.js";
import { PMP_ENTRIES, PMPADDR, PMPCFG } from "../state.js";
import { PRIV_M } from "./fields.js";

/** pmpcfg fields */
export const PMP_R = 1;
export const PMP_W = 2;
export const PMP_X = 4;
export const PMP_A = 3 << 3;
export const PMP_L = 0x80;
export const PMP_OFF = 0;
export const PMP_TOR = 1 << 3;
export const PMP_NA4 = 2 << 3;
export const PMP_NAPOT = 3 << 3;

/** Physical addresses from 2^53 up are beyond the bus: ranges are clamped there (exact numbers). */
const LIMIT = 2 ** 53;

/** Entry i's pmpcfg byte. */
export function pmpCfg(r: Int32Array, i: number): number {
  return (r[PMPCFG + (i >> 2)]! >>> ((i & 3) * 8)) & 0xff;
}

/** pmpaddr i (address bits 55:2; more bits than a number holds exactly). */
function pmpAddr(r: Int32Array, i: number): bigint {
  return (BigInt(r[PMPADDR + 2 * i + 1]! & 0x3fffff) << 32n) | BigInt(r[PMPADDR + 2 * i]! >>> 0);
}

/** A byte address as a number, clamped at LIMIT. */
const clamp = (a: bigint): number => (a >= BigInt(LIMIT) ? LIMIT : Number(a));

/** May pmpaddr i be written? Not when its entry is locked, nor when it is the top of a locked TOR. */
export function pmpAddrWritable(r: Int32Array, i: number): boolean {
  if ((pmpCfg(r, i) & PMP_L) !== 0) return false;
  if (i + 1 < PMP_ENTRIES) {
    const next = pmpCfg(r, i + 1);
    if ((next & PMP_L) !== 0 && (next & PMP_A) === PMP_TOR) return false;
  }
  return true;
}

export class Pmp {
  /** active entries in priority order: [start, end) in bytes, permissions (R, W, X), locked */
  private n = 0;
  private readonly start = new Float64Array(PMP_ENTRIES);
  private readonly end = new Float64Array(PMP_ENTRIES);
  private readonly perm = new Uint8Array(PMP_ENTRIES);
  private readonly locked = new Uint8Array(PMP_ENTRIES);
  /** some active entry is locked: M-mode accesses are checked too */
  mChecked = false;
  /** the first active entry covers every address with R, W and X: S and U may access anything */
  allowsAll = false;
  /** whether the last check's answer holds for its whole 4 KiB page */
  wholePage = true;

  /** Read the entries from the state's pmpcfg and pmpaddr words (when they are written: BigInt). */
  compile(r: Int32Array): void {
    this.n = 0;
    this.mChecked = false;
    for (let i = 0; i < PMP_ENTRIES; i++) {
      const cfg = pmpCfg(r, i);
      const a = cfg & PMP_A;
      if (a === PMP_OFF) continue;
      const addr = pmpAddr(r, i);
      let start: number;
      let end: number;
      if (a === PMP_TOR) {
        start = i === 0 ? 0 : clamp(pmpAddr(r, i - 1) << 2n);
        end = clamp(addr << 2n);
      } else if (a === PMP_NA4) {
        start = clamp(addr << 2n);
        end = clamp((addr << 2n) + 4n);
      } else {
        // NAPOT: the trailing ones of pmpaddr give the size, 2^(ones + 3) bytes
        let ones = 0n;
        while (ones < 54n && ((addr >> ones) & 1n) === 1n) ones++;
        const base = (addr >> (ones + 1n)) << (ones + 3n);
        start = clamp(base);
        end = clamp(base + (1n << (ones + 3n)));
      }
      if (end <= start) continue; // an empty TOR range matches nothing
      const k = this.n++;
      this.start[k] = start;
      this.end[k] = end;
      this.perm[k] = cfg & (PMP_R | PMP_W | PMP_X);
      this.locked[k] = cfg & PMP_L ? 1 : 0;
      if (cfg & PMP_L) this.mChecked = true;
    }
    this.allowsAll =
      this.n > 0 &&
      this.start[0] === 0 &&
      this.end[0]! >= LIMIT &&
      this.perm[0] === (PMP_R | PMP_W | PMP_X) &&
      this.locked[0] === 0;
  }

  /**
   * May an access of kind `access` at privilege `priv` reach physical address pa? Sets wholePage:
   * whether every address of pa's page gets the same answer.
   */
  allows(pa: number, access: number, priv: number): boolean {
    const page = pa - (pa % PAGE_SIZE);
    let whole = true;
    for (let k = 0; k < this.n; k++) {
      const s = this.start[k]!;
      const e = this.end[k]!;
      if (e <= page || s >= page + PAGE_SIZE) continue;
      if (s > page || e < page + PAGE_SIZE) whole = false;
      if (pa < s || pa >= e) continue;
      this.wholePage = whole;
      if (priv === PRIV_M && this.locked[k] === 0) return true;
      const need = access === ACCESS_EXEC ? PMP_X : access === ACCESS_WRITE ? PMP_W : PMP_R;
      return (this.perm[k]! & need) !== 0;
    }
    this.wholePage = whole;
    return priv === PRIV_M;
  }
}
