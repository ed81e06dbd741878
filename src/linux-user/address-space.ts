// The virtual address space of a user-mode Linux process: pages mapped with protections, backed by
// frames of one large host buffer. Harts translate through it (GuestMemory); the syscall layer
// maps, unmaps and copies through it with the kernel's view (protections ignored, faults reported).

import {
  ACCESS_EXEC,
  ACCESS_WRITE,
  CODE_PAGE_WORDS,
  CODE_STRIDE,
  CODE_VERSION,
  type GuestMemory,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
} from "../hart/memory.js";

export { PAGE_SIZE };
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** Guest user addresses stay below 2^47, as with Linux's Sv48 user half. */
export const USER_TOP = 2 ** 47;

/** The frame pool is reserved once; the host commits pages only as they are touched. */
const DEFAULT_POOL_BYTES = 2 ** 31;

export class GuestFault extends Error {
  constructor(
    readonly addr: number,
    readonly access: "read" | "write" | "exec",
  ) {
    super(`invalid ${access} at 0x${addr.toString(16)}`);
  }
}

export class AddressSpace implements GuestMemory {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** frame 0 never backs a guest page: it is the harts' bounce buffer */
  readonly bounce = 0;
  generation = 0;

  /** virtual page number → frame number * 8 + prot */
  private readonly pages = new Map<number, number>();
  private readonly freeFrames: number[] = [];
  private nextFrame = 1;
  private readonly frameCount: number;
  private readonly code: (Int32Array | undefined)[] = [];
  /** decoded instructions whose second half lies on another page: [page, entry, second host page] */
  private crossPage: [Int32Array, number, number][] = [];
  readonly probes = new Set<number>();

  constructor(poolBytes = DEFAULT_POOL_BYTES) {
    const buffer = new ArrayBuffer(poolBytes);
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.frameCount = poolBytes >>> PAGE_SHIFT;
  }

  // ---- GuestMemory (the harts' side) ----

  translate(lo: number, hi: number, access: number): number {
    if (hi < 0 || hi >= USER_TOP / 2 ** 32) return -1;
    const entry = this.pages.get(hi * 2 ** 20 + (lo >>> PAGE_SHIFT));
    if (entry === undefined) return -1;
    const prot = entry & 7;
    const needed = access === ACCESS_WRITE ? PROT_WRITE : access === ACCESS_EXEC ? PROT_EXEC : PROT_READ;
    if ((prot & needed) === 0) return -1;
    return (entry >>> 3) * PAGE_SIZE;
  }

  codePage(hostPage: number): Int32Array {
    const frame = hostPage >>> PAGE_SHIFT;
    let page = this.code[frame];
    if (page === undefined) {
      page = new Int32Array(CODE_PAGE_WORDS);
      this.code[frame] = page;
      // Harts may hold write translations of this frame; stores to it must now take the slow
      // path that keeps its decoded instructions coherent.
      this.generation++;
    }
    return page;
  }

  codePageIfAny(hostPage: number): Int32Array | undefined {
    return this.code[hostPage >>> PAGE_SHIFT];
  }

  noteCodeWrite(hostOffset: number, length: number): void {
    // An instruction starting up to 2 bytes before the write may overlap it.
    const first = hostOffset - 2;
    const last = hostOffset + length - 1;
    if ((hostOffset & PAGE_MASK) < 2) this.dropCrossPage(hostOffset - (hostOffset & PAGE_MASK));
    for (let frame = first >>> PAGE_SHIFT; frame <= last >>> PAGE_SHIFT; frame++) {
      const page = this.code[frame];
      if (page === undefined) continue;
      const base = frame * PAGE_SIZE;
      const from = ((Math.max(first, base) - base) >> 1) * CODE_STRIDE;
      const to = (((Math.min(last, base + PAGE_MASK) - base) >> 1) + 1) * CODE_STRIDE;
      // Data written beside code leaves the page's decoded instructions (and code compiled from
      // them) alone; only overwritten instructions are dropped.
      for (let k = from; k < to; k += CODE_STRIDE) {
        if (page[k] !== 0) {
          page.fill(0, from, to);
          page[CODE_VERSION]++;
          break;
        }
      }
    }
  }

  noteCrossPageInstruction(page: Int32Array, entry: number, secondHostPage: number): void {
    this.crossPage.push([page, entry, secondHostPage]);
  }

  private dropCrossPage(secondHostPage: number | undefined): void {
    if (this.crossPage.length === 0) return;
    this.crossPage = this.crossPage.filter(([page, entry, second]) => {
      if (secondHostPage !== undefined && second !== secondHostPage) return true;
      page.fill(0, entry, entry + CODE_STRIDE);
      page[CODE_VERSION]++;
      return false;
    });
  }

  // ---- mappings (the kernel's side) ----

  map(addr: number, length: number, prot: number): void {
    this.checkRange(addr, length);
    for (let vpn = addr / PAGE_SIZE, end = vpn + pageCount(length); vpn < end; vpn++) {
      const old = this.pages.get(vpn);
      const frame = old === undefined ? this.allocFrame() : old >>> 3;
      if (old !== undefined) this.clearFrame(frame);
      this.pages.set(vpn, frame * 8 + (prot & 7));
    }
    this.mappingsChanged();
  }

  unmap(addr: number, length: number): void {
    this.checkRange(addr, length);
    for (let vpn = addr / PAGE_SIZE, end = vpn + pageCount(length); vpn < end; vpn++) {
      const entry = this.pages.get(vpn);
      if (entry === undefined) continue;
      this.pages.delete(vpn);
      this.freeFrames.push(entry >>> 3);
      this.code[entry >>> 3] = undefined;
      if (this.probes.size !== 0) this.forgetProbes(entry >>> 3);
    }
    this.mappingsChanged();
  }

  private forgetProbes(frame: number): void {
    for (const at of this.probes) if (at >>> PAGE_SHIFT === frame) this.probes.delete(at);
  }

  protect(addr: number, length: number, prot: number): void {
    this.checkRange(addr, length);
    const first = addr / PAGE_SIZE;
    const end = first + pageCount(length);
    for (let vpn = first; vpn < end; vpn++) {
      if (!this.pages.has(vpn)) throw new GuestFault(vpn * PAGE_SIZE, "read");
    }
    for (let vpn = first; vpn < end; vpn++) {
      this.pages.set(vpn, (this.pages.get(vpn)! & ~7) | (prot & 7));
    }
    this.mappingsChanged();
  }

  /** Move the pages of [from, from+length) to `to` (mremap), keeping their contents. */
  move(from: number, to: number, length: number): void {
    this.checkRange(from, length);
    this.checkRange(to, length);
    const n = pageCount(length);
    const moved: number[] = [];
    for (let i = 0; i < n; i++) {
      const vpn = from / PAGE_SIZE + i;
      const entry = this.pages.get(vpn);
      if (entry === undefined) throw new GuestFault(vpn * PAGE_SIZE, "read");
      moved.push(entry);
      this.pages.delete(vpn);
    }
    this.unmap(to, length);
    for (let i = 0; i < n; i++) this.pages.set(to / PAGE_SIZE + i, moved[i]!);
    this.mappingsChanged();
  }

  private mappingsChanged(): void {
    this.dropCrossPage(undefined);
    this.generation++;
  }

  isMapped(addr: number, length = 1): boolean {
    if (addr < 0 || addr + length > USER_TOP) return false;
    for (
      let vpn = Math.floor(addr / PAGE_SIZE), end = Math.ceil((addr + length) / PAGE_SIZE);
      vpn < end;
      vpn++
    ) {
      if (!this.pages.has(vpn)) return false;
    }
    return true;
  }

  /** Protection of the page holding addr, or -1 when unmapped. */
  protOf(addr: number): number {
    const entry = this.pages.get(Math.floor(addr / PAGE_SIZE));
    return entry === undefined ? -1 : entry & 7;
  }

  /** A free page-aligned range of `length` bytes, searched top-down from `below`; -1 if none. */
  findFree(length: number, below = USER_TOP): number {
    const n = pageCount(length);
    let end = Math.floor(below / PAGE_SIZE);
    let run = 0;
    // Walk down from `below`; mapped pages are sparse, so skip quickly using the sorted keys.
    const mapped = [...this.pages.keys()].filter((v) => v < end).sort((a, b) => b - a);
    for (const vpn of mapped) {
      run = end - (vpn + 1);
      if (run >= n) return (end - n) * PAGE_SIZE;
      end = vpn;
    }
    return end >= n + 16 ? (end - n) * PAGE_SIZE : -1;
  }

  // ---- copies (the kernel's view: protections are not checked) ----

  /** Host offset of guest byte addr, or a GuestFault. */
  hostOffset(addr: number, access: "read" | "write" = "read"): number {
    const entry = addr >= 0 && addr < USER_TOP ? this.pages.get(Math.floor(addr / PAGE_SIZE)) : undefined;
    if (entry === undefined) throw new GuestFault(addr, access);
    return (entry >>> 3) * PAGE_SIZE + (addr % PAGE_SIZE);
  }

  read(addr: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = this.hostOffset(addr + done);
      const n = Math.min(length - done, PAGE_SIZE - (at & PAGE_MASK));
      out.set(this.bytes.subarray(at, at + n), done);
      done += n;
    }
    return out;
  }

  write(addr: number, data: Uint8Array): void {
    let done = 0;
    while (done < data.length) {
      const at = this.hostOffset(addr + done, "write");
      const n = Math.min(data.length - done, PAGE_SIZE - (at & PAGE_MASK));
      this.bytes.set(data.subarray(done, done + n), at);
      if (this.code[at >>> PAGE_SHIFT] !== undefined) this.noteCodeWrite(at, n);
      done += n;
    }
  }

  readCString(addr: number, max = 4096): string {
    const chunks: number[] = [];
    for (let i = 0; i < max; i++) {
      const b = this.bytes[this.hostOffset(addr + i)]!;
      if (b === 0) return Buffer.from(chunks).toString("utf8");
      chunks.push(b);
    }
    throw new GuestFault(addr + max, "read");
  }

  readU32(addr: number): number {
    return new DataView(this.read(addr, 4).buffer).getUint32(0, true);
  }

  readU64(addr: number): number {
    const v = new DataView(this.read(addr, 8).buffer);
    return v.getUint32(4, true) * 2 ** 32 + v.getUint32(0, true);
  }

  writeU32(addr: number, value: number): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    this.write(addr, b);
  }

  writeU64(addr: number, value: number | bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(value)), true);
    this.write(addr, b);
  }

  // ---- frames ----

  private allocFrame(): number {
    const reused = this.freeFrames.pop();
    if (reused !== undefined) {
      this.clearFrame(reused);
      return reused;
    }
    if (this.nextFrame >= this.frameCount) throw new RangeError("guest memory exhausted");
    return this.nextFrame++;
  }

  private clearFrame(frame: number): void {
    this.bytes.fill(0, frame * PAGE_SIZE, (frame + 1) * PAGE_SIZE);
    this.code[frame] = undefined;
  }

  private checkRange(addr: number, length: number): void {
    if (addr % PAGE_SIZE !== 0 || addr < 0 || length < 0 || addr + length > USER_TOP) {
      throw new RangeError(`bad page range 0x${addr.toString(16)}+0x${length.toString(16)}`);
    }
  }
}

function pageCount(length: number): number {
  return Math.ceil(length / PAGE_SIZE);
}
