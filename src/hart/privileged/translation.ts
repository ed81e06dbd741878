// Address translation and protection of the full system (Privileged ISA 1.12, "Supervisor-Level ISA"
// and "Physical Memory Protection"): Sv39 and Sv48 page-table walks from satp, then PMP on the
// physical address, then the memory's bare translation (PhysicalMemory answers physical addresses).
//
// The MMU (mmu.ts) asks this only while it is `active`: while every mode the hart runs in translates
// bare and PMP lets it do anything (user-mode Linux, M-mode firmware before it sets up PMP), the
// memory's own translation is used directly and nothing here costs a thing. The context (privilege,
// MPRV/MPP, SUM, MXR, satp, PMP) is re-read when the hart says it changed; `update` tells whether
// cached translations became stale.
//
// Walks set A, and D for writes, in the leaf PTE (the spec permits hardware to do so instead of
// faulting); PTEs are read and written through the memory's bare translation, as supervisor reads
// for PMP. Physical addresses from 2^53 up are beyond the bus (and beyond exact numbers): an access
// fault.

import {
  ACCESS_EXEC,
  ACCESS_READ,
  ACCESS_WRITE,
  type GuestMemory,
  XLATE_ACCESS_FAULT,
  XLATE_PAGE_FAULT,
} from "../memory.js";
import { PAGE_MASK, PAGE_SIZE } from "../page.js";
import { MSTATUS, PRIV, SATP } from "../state.js";
import { MPP_SHIFT, MPRV, MXR, PRIV_M, PRIV_S, PRIV_U, SATP_SV39, SATP_SV48, SUM } from "./fields.js";
import { Pmp } from "./pmp.js";

const TWO32 = 4294967296;
/** physical page numbers from here up are at or above 2^53 */
const PPN_LIMIT = 2 ** 41;

/** PTE bits (Privileged ISA, "Sv32: Page-Table Entry" and Sv39's) */
const V = 1;
const R = 2;
const W = 4;
const X = 8;
const U = 16;
const A = 64;
const D = 128;

export class Translation {
  /** false: the memory's bare translation is the answer for every access in this context */
  active = false;
  /** the physical address of the last successful translation (a device access needs it) */
  paLo = 0;
  paHi = 0;
  /** whether the last translation may be cached for its whole page */
  cacheable = true;
  /** a translation through a superpage was made since `flushed` (SFENCE.VMA of one page drops all) */
  superpages = false;

  readonly pmp = new Pmp();
  private fetchPriv = PRIV_U;
  private dataPriv = PRIV_U;
  private levels = 0;
  private root = 0;
  private sum = false;
  private mxr = false;
  /** PMP checks apply to fetches, to data accesses */
  private pmpFetch = false;
  private pmpData = false;
  /** bumped when PMP changes, part of the context key */
  private pmpVersion = 0;
  private readonly key = new Float64Array(6).fill(-1);

  constructor(
    private readonly mem: GuestMemory,
    private readonly r: Int32Array,
  ) {
    this.pmp.compile(r);
  }

  /** Re-read the context from the state; true when translations made before may be wrong now. */
  update(pmpChanged: boolean): boolean {
    const r = this.r;
    if (pmpChanged) {
      this.pmp.compile(r);
      this.pmpVersion++;
    }
    const priv = r[PRIV]!;
    const status = r[MSTATUS]!;
    this.fetchPriv = priv;
    this.dataPriv = status & MPRV ? (status >>> MPP_SHIFT) & 3 : priv;
    const mode = r[SATP + 1]! >>> 28;
    this.levels = mode === SATP_SV39 ? 3 : mode === SATP_SV48 ? 4 : 0;
    this.root = (r[SATP + 1]! & 0xfff) * TWO32 + (r[SATP]! >>> 0);
    this.sum = (status & SUM) !== 0;
    this.mxr = (status & MXR) !== 0;
    const pmp = this.pmp;
    this.pmpFetch = this.fetchPriv === PRIV_M ? pmp.mChecked : !pmp.allowsAll;
    this.pmpData = this.dataPriv === PRIV_M ? pmp.mChecked : !pmp.allowsAll;
    const paging = this.levels !== 0 && (this.fetchPriv !== PRIV_M || this.dataPriv !== PRIV_M);
    this.active = paging || this.pmpFetch || this.pmpData;
    // what cached translations depend on (nothing while inactive: all of them are bare)
    const on = this.active;
    return (
      (this.keyed(0, on ? 1 : 0) |
        this.keyed(1, on ? this.fetchPriv * 4 + this.dataPriv : 0) |
        this.keyed(2, on ? r[SATP]! : 0) |
        this.keyed(3, on ? r[SATP + 1]! : 0) |
        this.keyed(4, on ? (this.sum ? 1 : 0) + (this.mxr ? 2 : 0) : 0) |
        this.keyed(5, on ? this.pmpVersion : 0)) !==
      0
    );
  }

  /** Set part i of the context key; 1 when it changed. */
  private keyed(i: number, v: number): number {
    if (this.key[i] === v) return 0;
    this.key[i] = v;
    return 1;
  }

  /** The hart's translations were all dropped. */
  flushed(): void {
    this.superpages = false;
  }

  /**
   * Host offset of the page holding virtual (hi:lo) for `access`, or XLATE_PAGE_FAULT /
   * XLATE_ACCESS_FAULT / XLATE_DEVICE (then paLo/paHi say where). With `peek`, nothing is written
   * (no A or D bit).
   */
  translate(lo: number, hi: number, access: number, peek: boolean): number {
    const priv = access === ACCESS_EXEC ? this.fetchPriv : this.dataPriv;
    this.cacheable = true;
    let plo = lo;
    let phi = hi;
    if (priv !== PRIV_M && this.levels !== 0) {
      const ppn = this.walk(lo, hi, access, priv, peek);
      if (ppn < 0) return ppn;
      plo = ((ppn % 0x100000) * PAGE_SIZE + (lo & PAGE_MASK)) | 0;
      phi = Math.floor(ppn / 0x100000);
    }
    if (access === ACCESS_EXEC ? this.pmpFetch : this.pmpData) {
      if (phi >>> 0 < 0x200000) {
        // (from 2^53 up the bus answers an access fault anyway)
        const pmp = this.pmp;
        if (!pmp.allows((phi >>> 0) * TWO32 + (plo >>> 0), access, priv)) return XLATE_ACCESS_FAULT;
        if (!pmp.wholePage) this.cacheable = false;
      }
    }
    this.paLo = plo;
    this.paHi = phi;
    return this.mem.translate(plo, phi, access, peek);
  }

  /**
   * The Sv39/Sv48 walk ("Virtual Address Translation Process"): the physical page number of the 4 KiB
   * page holding the address, or a negative XLATE_* code.
   */
  private walk(lo: number, hi: number, access: number, priv: number, peek: boolean): number {
    const levels = this.levels;
    // the address must be sign-extended from its top bit (38 for Sv39, 47 for Sv48)
    const top = hi >> (levels === 3 ? 6 : 15);
    if (top !== 0 && top !== -1) return XLATE_PAGE_FAULT;
    const view = this.mem.view;
    let table = this.root;
    for (let i = levels - 1; i >= 0; i--) {
      if (table >= PPN_LIMIT) return XLATE_ACCESS_FAULT;
      const pteAddr = table * PAGE_SIZE + vpnPart(lo, hi, i) * 8;
      const plo = (pteAddr % TWO32) | 0;
      const phi = Math.floor(pteAddr / TWO32);
      if (!this.pmp.allowsAll && !this.pmp.allows(pteAddr, ACCESS_READ, PRIV_S)) return XLATE_ACCESS_FAULT;
      const host = this.mem.translate(plo, phi, ACCESS_READ, peek);
      if (host < 0) return XLATE_ACCESS_FAULT; // a device or nothing: not memory PTEs can be read from
      const at = host + (plo & PAGE_MASK);
      const pte = view.getInt32(at, true);
      const pteHi = view.getInt32(at + 4, true);
      // invalid, W without R, or reserved bits (63:54: no Svpbmt, no Svnapot) set
      if ((pte & V) === 0 || (pte & (R | W)) === W || (pteHi & ~0x3fffff) !== 0) return XLATE_PAGE_FAULT;
      const ppn = (pteHi & 0x3fffff) * 0x400000 + (pte >>> 10);
      if ((pte & (R | X)) === 0) {
        table = ppn; // a pointer to the next level
        continue;
      }
      if (!this.permits(pte, access, priv)) return XLATE_PAGE_FAULT;
      const span = 2 ** (9 * i); // 4 KiB pages in a leaf of level i
      if (ppn % span !== 0) return XLATE_PAGE_FAULT; // a misaligned superpage
      if ((pte & A) === 0 || (access === ACCESS_WRITE && (pte & D) === 0)) {
        if (!peek) this.setAccessed(at, host, pte | A | (access === ACCESS_WRITE ? D : 0));
      }
      if (i > 0 && !peek) this.superpages = true;
      const page = ppn + (i === 0 ? 0 : lowVpn(lo, hi, i));
      return page >= PPN_LIMIT ? XLATE_ACCESS_FAULT : page;
    }
    return XLATE_PAGE_FAULT; // a pointer at the last level
  }

  /** The leaf's permissions for this access at this privilege (with SUM and MXR). */
  private permits(pte: number, access: number, priv: number): boolean {
    if (access === ACCESS_EXEC) {
      if ((pte & X) === 0) return false;
    } else if (access === ACCESS_WRITE) {
      if ((pte & W) === 0) return false;
    } else if ((pte & R) === 0 && !(this.mxr && (pte & X) !== 0)) return false;
    if ((pte & U) !== 0) return priv === PRIV_U || (access !== ACCESS_EXEC && this.sum);
    return priv !== PRIV_U;
  }

  /** Write a PTE's low word with A (and D) set, keeping decoded code on that page coherent. */
  private setAccessed(at: number, host: number, pte: number): void {
    this.mem.view.setInt32(at, pte, true);
    if (this.mem.code.codePageIfAny(host) !== undefined) this.mem.code.noteCodeWrite(at, 4);
  }
}

/** VPN[i] of the address: bits 12 + 9i .. 20 + 9i. */
function vpnPart(lo: number, hi: number, i: number): number {
  switch (i) {
    case 0:
      return (lo >>> 12) & 511;
    case 1:
      return (lo >>> 21) & 511;
    case 2:
      return ((lo >>> 30) | (hi << 2)) & 511;
    default:
      return (hi >>> 7) & 511;
  }
}

/** The address's page-number bits below level i (what a superpage's leaf leaves to the address). */
function lowVpn(lo: number, hi: number, i: number): number {
  const vpn = (hi & 0x7f) * 0x100000 + (lo >>> 12); // bits 12..38 of the address
  return vpn % 2 ** (9 * i);
}
