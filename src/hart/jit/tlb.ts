import { opOf, rs1Of } from "../decoded.js";
// The data TLB compiled code looks up, in the hart's area (wasm/layout.ts: WASM_TLB_SIZE entries):
// larger than the interpreter's (hart.ts), because compiled code leaves for the run loop on every
// miss. Same rules: a write entry is never made for a page that holds decoded code (stores there
// take the interpreter's slow path, which keeps the cache coherent); everything is dropped when the
// memory's generation changes. One Int32Array holds it all, ENTRY_WORDS per entry, because V8
// checks each typed array an access touches.
//
// An entry is laid out for the one-compare check of wasm/region-module.ts (translate): a tag is the
// page's whole virtual address as an i64, so `address - tag < 4097 - size` (unsigned) checks both
// words and that the access stays in the page; a base is the page's host offset minus the low word
// of its virtual address, so host = base + low word of the address (i32, wrapping) with no mask.
// An empty entry's tag is a page address that another entry's pages have (the next entry's: no
// address that looks this entry up is within a page of it).

import type { TlbHolder } from "../memory.js";
import { ACCESS_READ, ACCESS_WRITE } from "../memory.js";
import type { Mmu } from "../mmu.js";
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "../page.js";
import { ACCESS_SIZE, SEMANTICS_BY_OP } from "../semantics-by-op.js";

/** Words of an entry: read tag (i64: low, high word), write tag (i64), read base, write base. */
export const ENTRY_WORDS = 8;
export const R_TAG = 0;
export const W_TAG = 2;
export const R_BASE = 4;
export const W_BASE = 5;

export class DataTlb implements TlbHolder {
  readonly t: Int32Array;
  /** entries - 1 (a power of two) */
  readonly mask: number;
  /** every entry empty (copied over `t` by flush) */
  private readonly empty: Int32Array;

  /** Over `t`: its entries in the hart's area in guest RAM's memory. */
  constructor(t: Int32Array) {
    this.t = t;
    this.mask = t.length / ENTRY_WORDS - 1;
    this.empty = new Int32Array(t.length).fill(-1);
    for (let i = 0; i <= this.mask; i++) {
      this.empty[i * ENTRY_WORDS + R_TAG] = this.emptyTag(i);
      this.empty[i * ENTRY_WORDS + W_TAG] = this.emptyTag(i);
    }
    this.flush();
  }

  /**
   * The low word of entry i's tag when it is empty: a page of entry i + 1, so no address that
   * looks entry i up (its page's number is i modulo the entries) is in that page, whatever the
   * high word.
   */
  private emptyTag(i: number): number {
    return ((i + 1) & this.mask) << PAGE_SHIFT;
  }

  flush(): void {
    this.t.set(this.empty);
  }

  dropPages(vpnFirst: number, vpnEnd: number): void {
    if (vpnEnd - vpnFirst > this.mask) {
      this.flush();
      return;
    }
    const t = this.t;
    for (let vpn = vpnFirst; vpn < vpnEnd; vpn++) {
      const i = (vpn & this.mask) * ENTRY_WORDS;
      t[i + R_TAG] = this.emptyTag(vpn & this.mask);
      t[i + W_TAG] = this.emptyTag(vpn & this.mask);
    }
  }

  dropWritesTo(hostPage: number): void {
    const t = this.t;
    // a base is the host page less the page's low address word (int32, wrapping): add it back
    const host = hostPage | 0;
    for (let i = 0; i < t.length; i += ENTRY_WORDS)
      if (((t[i + W_BASE]! + t[i + W_TAG]!) | 0) === host) t[i + W_TAG] = this.emptyTag(i / ENTRY_WORDS);
  }

  /**
   * Fill the entry for the access of the decoded instruction at entry `e` of `page` (which missed
   * in compiled code), with x registers from `r`, translated by the hart's MMU. Nothing is filled
   * when the access would fault, straddles two pages, stores to code or may not be cached (PMP
   * deciding for part of a page): the interpreter runs those.
   */
  fill(mmu: Mmu, r: Int32Array, page: Int32Array, e: number): void {
    const w0 = page[e]!;
    const op = opOf(w0);
    // LR reads, SC writes, an AMO both (compiled code runs them: their misses fill entries too)
    const sem = SEMANTICS_BY_OP[op];
    const amo = sem?.kind === "amo";
    const size = sem?.kind === "lr" || amo ? sem.size : sem?.kind === "sc" ? -sem.size : ACCESS_SIZE[op]!;
    if (size === 0) return;
    const lo = addressLow(r, w0, page[e + 1]!);
    if ((lo & PAGE_MASK) > PAGE_SIZE - Math.abs(size)) return;
    const hi = addressHigh(r, w0, page[e + 1]!, lo);
    this.fillEntry(mmu, lo, hi, size);
    if (amo) this.fillEntry(mmu, lo, hi, -size);
  }

  /**
   * Whether the entry compiled code checks for the load or store at entry e of `page` (registers
   * r) holds its page, the access within it. (A shared check of several accesses that failed
   * though its first one's holds: their span crosses a page.)
   */
  covers(r: Int32Array, page: Int32Array, e: number): boolean {
    const w0 = page[e]!;
    const size = ACCESS_SIZE[opOf(w0)]!;
    if (size === 0) return false;
    const lo = addressLow(r, w0, page[e + 1]!);
    if ((lo & PAGE_MASK) > PAGE_SIZE - Math.abs(size)) return false;
    const i = ((lo >>> PAGE_SHIFT) & this.mask) * ENTRY_WORDS + (size > 0 ? R_TAG : W_TAG);
    const t = this.t;
    return t[i] === (lo & ~PAGE_MASK) && t[i + 1] === addressHigh(r, w0, page[e + 1]!, lo);
  }

  /** The read entry (size > 0) or the write entry (size < 0) of the page of (lo, hi). */
  private fillEntry(mmu: Mmu, lo: number, hi: number, size: number): void {
    const base = mmu.translate(lo, hi, size > 0 ? ACCESS_READ : ACCESS_WRITE);
    if (base < 0 || !mmu.cacheable) return;
    const i = ((lo >>> PAGE_SHIFT) & this.mask) * ENTRY_WORDS;
    const t = this.t;
    const page = lo & ~PAGE_MASK;
    if (size > 0) {
      t[i + R_TAG] = page;
      t[i + R_TAG + 1] = hi;
      t[i + R_BASE] = base - page;
    } else if (mmu.mem.code.codePageIfAny(base) === undefined) {
      t[i + W_TAG] = page;
      t[i + W_TAG + 1] = hi;
      t[i + W_BASE] = base - page;
    }
  }
}

/** The low word of rs1 + imm, the address of the access of instruction w0 (registers r). */
function addressLow(r: Int32Array, w0: number, imm: number): number {
  return (r[rs1Of(w0) << 1]! + imm) | 0;
}

/** Its high word, given the low one (`lo`): the carry out of the low words' sum. */
function addressHigh(r: Int32Array, w0: number, imm: number, lo: number): number {
  const a = rs1Of(w0) << 1;
  return (r[a + 1]! + (imm >> 31) + (lo >>> 0 < r[a]! >>> 0 ? 1 : 0)) | 0;
}
