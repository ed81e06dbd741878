// The data TLB compiled code looks up: larger than the interpreter's (hart.ts), because compiled
// code leaves for the run loop on every miss. Same rules: tag = (vpn low 20 bits, address high
// word), base = host offset of the page; a write entry is never made for a page that holds decoded
// code (stores there take the interpreter's slow path, which keeps the cache coherent); everything
// is dropped when the memory's generation changes. One Int32Array holds it all, ENTRY_WORDS per
// entry, because V8 checks each typed array an access touches.

import { Op } from "../../isa/ops.js";
import { ACCESS_READ, ACCESS_WRITE, type GuestMemory, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../memory.js";

export const JIT_TLB_SIZE = 4096;
export const JIT_TLB_MASK = JIT_TLB_SIZE - 1;
/** Words of an entry: read tag low, read tag high, read base, write tag low, high, base. */
export const ENTRY_WORDS = 8;
export const R_TAG = 0;
export const R_HI = 1;
export const R_BASE = 2;
export const W_TAG = 3;
export const W_HI = 4;
export const W_BASE = 5;

/** Access size of each load and store op; negative for stores. */
const ACCESS = new Int8Array(512);
for (const [op, size] of [
  [Op.LB, 1],
  [Op.LBU, 1],
  [Op.LH, 2],
  [Op.LHU, 2],
  [Op.LW, 4],
  [Op.LWU, 4],
  [Op.FLW, 4],
  [Op.LD, 8],
  [Op.FLD, 8],
  [Op.SB, -1],
  [Op.SH, -2],
  [Op.SW, -4],
  [Op.FSW, -4],
  [Op.SD, -8],
  [Op.FSD, -8],
] as const)
  ACCESS[op] = size;

export class DataTlb {
  /** -1 in a tag matches no page (tags are vpn's low 20 bits) */
  readonly t = new Int32Array(JIT_TLB_SIZE * ENTRY_WORDS).fill(-1);

  flush(): void {
    this.t.fill(-1);
  }

  /**
   * Fill the entry for the access of the decoded instruction at entry `e` of `page` (which missed
   * in compiled code), with x registers from `r`. Nothing is filled when the access would fault,
   * straddles two pages or stores to code: the interpreter runs those.
   */
  fill(mem: GuestMemory, r: Int32Array, page: Int32Array, e: number): void {
    const w0 = page[e]!;
    const size = ACCESS[w0 & 511]!;
    if (size === 0) return;
    const imm = page[e + 1]!;
    const a = ((w0 >>> 15) & 31) << 1;
    const blo = r[a]!;
    const lo = (blo + imm) | 0;
    const hi = (r[a + 1]! + (imm >> 31) + (lo >>> 0 < blo >>> 0 ? 1 : 0)) | 0;
    if ((lo & PAGE_MASK) > PAGE_SIZE - Math.abs(size)) return;
    const base = mem.translate(lo, hi, size > 0 ? ACCESS_READ : ACCESS_WRITE);
    if (base < 0) return;
    const i = ((lo >>> PAGE_SHIFT) & JIT_TLB_MASK) * ENTRY_WORDS;
    const t = this.t;
    if (size > 0) {
      t[i + R_TAG] = lo >>> PAGE_SHIFT;
      t[i + R_HI] = hi;
      t[i + R_BASE] = base;
    } else if (mem.codePageIfAny(base) === undefined) {
      t[i + W_TAG] = lo >>> PAGE_SHIFT;
      t[i + W_HI] = hi;
      t[i + W_BASE] = base;
    }
  }
}
