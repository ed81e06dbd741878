// A hart's translation step: virtual address -> host offset in guest RAM, or a trap with its
// architectural cause and tval. The TLBs follow TinyEMU's shape — a hit is a tag comparison — and
// a miss asks the memory (GuestMemory.translate: in user mode the process's address space is the
// page table), or, while the full system's paging or PMP applies to the hart's modes, the
// privileged translation (privileged/translation.ts: Sv39/Sv48 walk, PMP, then the memory's bare
// translation). TLB entries are made for the current context only: whatever changes it (privilege,
// satp, mstatus.MPRV/MPP/SUM/MXR, PMP) flushes them (`contextChanged`), and so does SFENCE.VMA.
//
// The memory tells this hart exactly which translations went stale (TlbHolder): a new code page
// drops the write entries of its frame only, an munmap the pages it unmapped.
//
// Host offsets are numbers in [0, 2^32): guest RAM is one WebAssembly.Memory of up to 4 GiB.

import {
  ACCESS_EXEC,
  ACCESS_READ,
  ACCESS_WRITE,
  type GuestMemory,
  type TlbHolder,
  XLATE_ACCESS_FAULT,
  XLATE_DEVICE,
  XLATE_UNBACKED,
} from "./memory.js";
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "./page.js";
import { Translation } from "./privileged/translation.js";
import { CAUSE, TVAL } from "./state.js";
import { Cause } from "./stop.js";

const TLB_SIZE = 256;
const TLB_MASK = TLB_SIZE - 1;
const TWO32 = 4294967296;

/**
 * What `load` returns for a device's address: nothing is read yet. The engine brings the hart's
 * retired count up to date (devices such as the CLINT read the machine's time) and calls
 * `deviceLoad`.
 */
export const DEVICE_PENDING = -2;

/** An empty code page: every fetch lookup misses until a real page is installed. */
export const NO_PAGE: Int32Array = new Int32Array(0);

/** Epochs of privileged translation contexts, unique across harts (see Mmu.epoch). */
let nextEpoch = 1;

export class Mmu implements TlbHolder {
  // Data TLBs: tag = (vpn's low 20 bits, address high word); base = host offset of the page.
  private readonly rTagLo = new Int32Array(TLB_SIZE).fill(-1);
  private readonly rTagHi = new Int32Array(TLB_SIZE);
  private readonly rBase = new Float64Array(TLB_SIZE);
  private readonly wTagLo = new Int32Array(TLB_SIZE).fill(-1);
  private readonly wTagHi = new Int32Array(TLB_SIZE);
  private readonly wBase = new Float64Array(TLB_SIZE);
  // Fetch TLB: virtual page number -> its decoded page and host offset (the interpreter reads these).
  readonly xTag = new Float64Array(TLB_SIZE).fill(-1);
  readonly xBase = new Float64Array(TLB_SIZE);
  readonly xPage: Int32Array[] = new Array(TLB_SIZE).fill(NO_PAGE);
  /** a store that straddles two pages, gathered in the bounce buffer until finishStore */
  private pendingLo = 0;
  private pendingHi = 0;
  private pendingSize = 0;
  /** the pending store goes to a device (ioStore), not to the two pages */
  private pendingDevice = false;
  /** the pending device access's physical address */
  private pendingPaLo = 0;
  private pendingPaHi = 0;
  private readonly io = new Int32Array(2);

  /** the full system's translation and protection (used while `xlate.active`) */
  readonly xlate: Translation;
  /** the physical address of the last `translate` */
  private paLo = 0;
  private paHi = 0;
  /** whether the last `translate` may be cached in a TLB (PMP may decide for less than a page) */
  cacheable = true;
  /**
   * 0 while translation is the memory's own (the same for every hart on it); otherwise a number
   * unique to this hart's current translations (compiled regions spanning pages check their pages
   * again when it differs from the epoch they were checked in).
   */
  epoch = 0;

  constructor(
    readonly mem: GuestMemory,
    /** the hart's registers: a trap's cause and tval are written there */
    private readonly r: Int32Array,
  ) {
    mem.tlbHolders.add(this);
    this.xlate = new Translation(mem, r);
    this.xlate.update(false);
  }

  /**
   * Host offset of the page holding virtual (hi:lo) for `access`, or a negative XLATE_* code; no
   * trap is recorded. With `peek`, nothing changes (no frame, no A/D bit).
   */
  translate(lo: number, hi: number, access: number, peek = false): number {
    const x = this.xlate;
    if (!x.active) {
      this.paLo = lo;
      this.paHi = hi;
      this.cacheable = true;
      return this.mem.translate(lo, hi, access, peek);
    }
    const base = x.translate(lo, hi, access, peek);
    this.paLo = x.paLo;
    this.paHi = x.paHi;
    this.cacheable = x.cacheable;
    return base;
  }

  /**
   * The translation context may have changed (privilege, satp, mstatus, PMP when `pmp`): re-read it;
   * true when the TLBs were flushed (then so must be every other cache of this hart's translations).
   */
  contextChanged(pmp: boolean): boolean {
    if (!this.xlate.update(pmp)) return false;
    this.flush();
    this.mem.code.forgetCrossPage();
    this.epoch = this.xlate.active ? nextEpoch++ : 0;
    return true;
  }

  /**
   * SFENCE.VMA: drop the translations of virtual page vpn, or all (vpn undefined); true when all
   * were dropped (a page of a superpage may be cached under other pages' tags).
   */
  fence(vpn?: number): boolean {
    // a mapping changed: regions spanning pages check theirs again, and an instruction decoded
    // across a page boundary may now take its second half from another frame (or fault)
    if (this.xlate.active) {
      this.epoch = nextEpoch++;
      this.mem.code.forgetCrossPage();
    }
    if (vpn === undefined || this.xlate.superpages) {
      this.flush();
      return true;
    }
    this.dropPages(vpn, vpn + 1);
    return false;
  }

  /** Stop receiving invalidations (the hart is gone). */
  detach(): void {
    this.mem.tlbHolders.delete(this);
  }

  // ---- TlbHolder ----

  flush(): void {
    this.rTagLo.fill(-1);
    this.wTagLo.fill(-1);
    this.xTag.fill(-1);
    this.xlate.flushed();
  }

  dropPages(vpnFirst: number, vpnEnd: number): void {
    if (vpnEnd - vpnFirst >= TLB_SIZE) {
      this.flush();
      return;
    }
    for (let vpn = vpnFirst; vpn < vpnEnd; vpn++) {
      const i = vpn & TLB_MASK;
      // tags hold the vpn's low 20 bits; dropping a same-slot entry of another page is harmless
      this.rTagLo[i] = -1;
      this.wTagLo[i] = -1;
      this.xTag[i] = -1;
    }
  }

  dropWritesTo(hostPage: number): void {
    for (let i = 0; i < TLB_SIZE; i++) if (this.wBase[i] === hostPage) this.wTagLo[i] = -1;
  }

  // ---- data ----

  /**
   * Host offset for a load of `size` bytes at (hi:lo) + imm; -1 after recording the trap; or
   * DEVICE_PENDING for a device (then `deviceLoad`).
   */
  load(blo: number, bhi: number, imm: number, size: number): number {
    const lo = (blo + imm) | 0;
    const hi = (bhi + (imm >> 31) + (lo >>> 0 < blo >>> 0 ? 1 : 0)) | 0;
    const i = (lo >>> PAGE_SHIFT) & TLB_MASK;
    const off = lo & PAGE_MASK;
    if (this.rTagLo[i] === lo >>> PAGE_SHIFT && this.rTagHi[i] === hi && off <= PAGE_SIZE - size)
      return this.rBase[i]! + off;
    return this.loadSlow(lo, hi, size);
  }

  /** Host offset for a store; the bounce buffer when it straddles pages (then call finishStore). */
  store(blo: number, bhi: number, imm: number, size: number): number {
    const lo = (blo + imm) | 0;
    const hi = (bhi + (imm >> 31) + (lo >>> 0 < blo >>> 0 ? 1 : 0)) | 0;
    const i = (lo >>> PAGE_SHIFT) & TLB_MASK;
    const off = lo & PAGE_MASK;
    if (this.wTagLo[i] === lo >>> PAGE_SHIFT && this.wTagHi[i] === hi && off <= PAGE_SIZE - size)
      return this.wBase[i]! + off;
    return this.storeSlow(lo, hi, size);
  }

  /**
   * LR/SC/AMO address: naturally aligned (else a misaligned trap; Linux reports it as SIGBUS), and
   * memory, not a device (an access fault, raised before anything reaches the device).
   */
  atomic(lo: number, hi: number, size: number, write: boolean): number {
    if ((lo & (size - 1)) !== 0)
      return this.trap(write ? Cause.MISALIGNED_STORE : Cause.MISALIGNED_LOAD, lo, hi);
    if (this.translate(lo, hi, write ? ACCESS_WRITE : ACCESS_READ) === XLATE_DEVICE)
      return this.trap(write ? Cause.STORE_ACCESS : Cause.LOAD_ACCESS, lo, hi);
    return write ? this.store(lo, hi, 0, size) : this.load(lo, hi, 0, size);
  }

  private loadSlow(lo: number, hi: number, size: number): number {
    const off = lo & PAGE_MASK;
    const base = this.translate(lo, hi, ACCESS_READ);
    if (base === XLATE_DEVICE) {
      this.pendingLo = lo;
      this.pendingHi = hi;
      this.pendingPaLo = this.paLo;
      this.pendingPaHi = this.paHi;
      this.pendingSize = size;
      return DEVICE_PENDING;
    }
    if (base < 0) return this.fault(base, ACCESS_READ, lo, hi);
    if (off <= PAGE_SIZE - size) {
      if (this.cacheable) {
        const i = (lo >>> PAGE_SHIFT) & TLB_MASK;
        this.rTagLo[i] = lo >>> PAGE_SHIFT;
        this.rTagHi[i] = hi;
        this.rBase[i] = base;
      }
      return base + off;
    }
    // Straddles two pages: gather the bytes into the bounce buffer.
    const lo2 = ((lo & ~PAGE_MASK) + PAGE_SIZE) | 0;
    const hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
    const base2 = this.translate(lo2, hi2, ACCESS_READ);
    if (base2 < 0) return this.fault(base2, ACCESS_READ, lo2, hi2);
    const bytes = this.mem.bytes;
    const bounce = this.mem.bounce;
    const first = PAGE_SIZE - off;
    bytes.copyWithin(bounce, base + off, base + PAGE_SIZE);
    bytes.copyWithin(bounce + first, base2, base2 + size - first);
    return bounce;
  }

  private storeSlow(lo: number, hi: number, size: number): number {
    const off = lo & PAGE_MASK;
    const base = this.translate(lo, hi, ACCESS_WRITE);
    if (base === XLATE_DEVICE) {
      // the engine stores into the bounce buffer; finishStore hands the value to the device
      this.pendingLo = lo;
      this.pendingHi = hi;
      this.pendingPaLo = this.paLo;
      this.pendingPaHi = this.paHi;
      this.pendingSize = size;
      this.pendingDevice = true;
      return this.mem.bounce;
    }
    if (base < 0) return this.fault(base, ACCESS_WRITE, lo, hi);
    if (off <= PAGE_SIZE - size) {
      if (this.mem.code.codePageIfAny(base) !== undefined) {
        // A page holding decoded code: no TLB entry, so every store keeps the cache coherent.
        this.mem.code.noteCodeWrite(base + off, size);
        return base + off;
      }
      if (this.cacheable) {
        const i = (lo >>> PAGE_SHIFT) & TLB_MASK;
        this.wTagLo[i] = lo >>> PAGE_SHIFT;
        this.wTagHi[i] = hi;
        this.wBase[i] = base;
      }
      return base + off;
    }
    const lo2 = ((lo & ~PAGE_MASK) + PAGE_SIZE) | 0;
    const hi2 = lo2 === 0 ? (hi + 1) | 0 : hi;
    const base2 = this.translate(lo2, hi2, ACCESS_WRITE);
    if (base2 < 0) return this.fault(base2, ACCESS_WRITE, lo2, hi2);
    this.pendingLo = lo;
    this.pendingHi = hi;
    this.pendingSize = size;
    this.pendingDevice = false;
    return this.mem.bounce;
  }

  /**
   * The device load `load` answered DEVICE_PENDING for: its value goes to the bounce buffer, where
   * the engine reads it; -1 (trap recorded) when the device does not answer.
   */
  deviceLoad(): number {
    const { pendingLo: lo, pendingHi: hi, pendingSize: size } = this;
    const io = this.io;
    if (this.mem.ioLoad?.(this.pendingPaLo, this.pendingPaHi, size, io) !== true)
      return this.trap(Cause.LOAD_ACCESS, lo, hi);
    const view = this.mem.view;
    view.setInt32(this.mem.bounce, io[0]!, true);
    view.setInt32(this.mem.bounce + 4, io[1]!, true);
    return this.mem.bounce;
  }

  /**
   * Finish a store the engine wrote to the bounce buffer: hand it to its device, or scatter it over
   * the two pages it straddles. False (trap recorded) when the device does not answer.
   */
  finishStore(): boolean {
    const { pendingLo: lo, pendingHi: hi, pendingSize: size } = this;
    const mem = this.mem;
    if (this.pendingDevice) {
      this.pendingDevice = false;
      const v = mem.view;
      const vlo = v.getInt32(mem.bounce, true);
      const vhi = size === 8 ? v.getInt32(mem.bounce + 4, true) : 0;
      if (mem.ioStore?.(this.pendingPaLo, this.pendingPaHi, size, vlo, vhi) === true) return true;
      this.trap(Cause.STORE_ACCESS, lo, hi);
      return false;
    }
    const bytes = mem.bytes;
    for (let k = 0; k < size; k++) {
      const l = (lo + k) | 0;
      const h = l >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
      const at = this.translate(l, h, ACCESS_WRITE) + (l & PAGE_MASK);
      bytes[at] = bytes[mem.bounce + k]!;
      if (mem.code.codePageIfAny(at - (at & PAGE_MASK)) !== undefined) mem.code.noteCodeWrite(at, 1);
    }
    return true;
  }

  /**
   * Map the page at virtual address `va` to host page `host` in the TLBs without asking the memory:
   * a code page (its decoded page `code` given) for reads and fetches, a data page for reads and
   * writes. For the interpreter's warm-up (interpreter-warm-up.ts), whose scratch hart runs on a
   * memory of its own class: the MMU's calls into the memory must not learn that class.
   */
  preload(va: number, host: number, code?: Int32Array): void {
    const lo = va | 0;
    const hi = Math.floor(va / TWO32) | 0;
    const i = (lo >>> PAGE_SHIFT) & TLB_MASK;
    this.rTagLo[i] = lo >>> PAGE_SHIFT;
    this.rTagHi[i] = hi;
    this.rBase[i] = host;
    if (code === undefined) {
      this.wTagLo[i] = lo >>> PAGE_SHIFT;
      this.wTagHi[i] = hi;
      this.wBase[i] = host;
      return;
    }
    const vpn = Math.floor(va / PAGE_SIZE);
    this.xTag[vpn & TLB_MASK] = vpn;
    this.xPage[vpn & TLB_MASK] = code;
    this.xBase[vpn & TLB_MASK] = host;
  }

  // ---- fetch ----

  /** Install the fetch translation for pc's page in slot i; false after recording a fetch trap. */
  fillFetch(pc: number, i: number): boolean {
    const lo = pc | 0;
    const hi = Math.floor(pc / TWO32) | 0;
    const base = this.translate(lo, hi, ACCESS_EXEC);
    if (base < 0) {
      this.fault(base, ACCESS_EXEC, lo, hi);
      return false;
    }
    this.xPage[i] = this.mem.code.codePage(base);
    this.xTag[i] = Math.floor(pc / PAGE_SIZE);
    this.xBase[i] = base;
    return true;
  }

  /** Host offset of the page holding va for a fetch, or a negative code (trap recorded). */
  fetchPage(va: number): number {
    const lo = va | 0;
    const hi = Math.floor(va / TWO32) | 0;
    const base = this.translate(lo, hi, ACCESS_EXEC);
    return base < 0 ? this.fault(base, ACCESS_EXEC, lo, hi) : base;
  }

  // ---- for observers: no trap, no TLB fill, no frame allocated ----

  /** `length` bytes at va as loads would see them, or undefined if any byte is unreadable. */
  peek(va: number, length: number): Uint8Array | undefined {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = va + done;
      const base = this.translate(at | 0, Math.floor(at / TWO32) | 0, ACCESS_READ, true);
      const off = at % PAGE_SIZE;
      const n = Math.min(length - done, PAGE_SIZE - off);
      if (base === XLATE_UNBACKED) out.fill(0, done, done + n);
      else if (base < 0) return undefined;
      else out.set(this.mem.bytes.subarray(base + off, base + off + n), done);
      done += n;
    }
    return out;
  }

  /**
   * Write `bytes` at va as a debugger does (gdb's memory writes in the full system): through this
   * hart's translation as a read would see it, whatever the pages' write permissions, changing no
   * TLB, A/D bit or trap state; decoded instructions the write covers are dropped. False (nothing
   * written) when any byte is not in RAM.
   */
  poke(va: number, bytes: Uint8Array): boolean {
    const at: number[] = [];
    for (let done = 0; done < bytes.length; ) {
      const a = va + done;
      const base = this.translate(a | 0, Math.floor(a / TWO32) | 0, ACCESS_READ, true);
      if (base < 0) return false;
      at.push(base + (a % PAGE_SIZE));
      done += Math.min(bytes.length - done, PAGE_SIZE - (a % PAGE_SIZE));
    }
    let done = 0;
    for (const host of at) {
      const n = Math.min(bytes.length - done, PAGE_SIZE - (host % PAGE_SIZE));
      this.mem.bytes.set(bytes.subarray(done, done + n), host);
      if (this.mem.code.codePageIfAny(host) !== undefined) this.mem.code.noteCodeWrite(host, n);
      done += n;
    }
    return true;
  }

  // ---- traps ----

  /** Record the trap a failed translation means; returns -1. */
  private fault(code: number, access: number, lo: number, hi: number): number {
    const access_ = code === XLATE_ACCESS_FAULT || code === XLATE_DEVICE;
    const cause =
      access === ACCESS_EXEC
        ? access_
          ? Cause.FETCH_ACCESS
          : Cause.FETCH_PAGE_FAULT
        : access === ACCESS_WRITE
          ? access_
            ? Cause.STORE_ACCESS
            : Cause.STORE_PAGE_FAULT
          : access_
            ? Cause.LOAD_ACCESS
            : Cause.LOAD_PAGE_FAULT;
    return this.trap(cause, lo, hi);
  }

  /** Record a trap with tval = (hi:lo); returns -1. */
  trap(cause: number, lo: number, hi: number): number {
    const r = this.r;
    r[CAUSE] = cause;
    r[TVAL] = lo;
    r[TVAL + 1] = hi;
    return -1;
  }
}
