// The data TLB compiled code looks up: larger than the interpreter's (hart.ts), because compiled
// code leaves for the run loop on every miss. Same layout and rules: tag = (vpn low 20 bits,
// address high word), base = host offset of the page; a write entry is never made for a page that
// holds decoded code (stores there take the interpreter's slow path, which keeps the cache
// coherent); everything is dropped when the memory's generation changes.

import { Op } from "../../isa/ops.js";
import { ACCESS_READ, ACCESS_WRITE, type GuestMemory, PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../memory.js";

export const JIT_TLB_SIZE = 4096;
export const JIT_TLB_MASK = JIT_TLB_SIZE - 1;

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
  readonly rTL = new Int32Array(JIT_TLB_SIZE).fill(-1);
  readonly rTH = new Int32Array(JIT_TLB_SIZE);
  readonly rB = new Int32Array(JIT_TLB_SIZE);
  readonly wTL = new Int32Array(JIT_TLB_SIZE).fill(-1);
  readonly wTH = new Int32Array(JIT_TLB_SIZE);
  readonly wB = new Int32Array(JIT_TLB_SIZE);

  flush(): void {
    this.rTL.fill(-1);
    this.wTL.fill(-1);
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
    const i = (lo >>> PAGE_SHIFT) & JIT_TLB_MASK;
    if (size > 0) {
      this.rTL[i] = lo >>> PAGE_SHIFT;
      this.rTH[i] = hi;
      this.rB[i] = base;
    } else if (mem.codePageIfAny(base) === undefined) {
      this.wTL[i] = lo >>> PAGE_SHIFT;
      this.wTH[i] = hi;
      this.wB[i] = base;
    }
  }
}
