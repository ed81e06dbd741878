// The decoded-instruction cache of one guest memory (ARCHITECTURE.md decision 2): per host page
// (frame) of RAM, the Int32Array of decoded entries (layout in decoded.ts), shared by every hart that
// runs the page. Whatever the memory is — user-mode Linux's address space, the full system's
// physical memory — it keeps one of these and delegates GuestMemory's code-page methods to it.
//
// Stores drop exactly the entries they overwrite and bump the page's version word (how compiled
// regions learn they are stale); a page that becomes code loses its write translations in every
// TlbHolder, so stores to it take the MMU's slow path that calls noteCodeWrite. Probes are kept here
// too, by host offset: they mark entries as they are decoded, whichever hart decodes them.

import { CODE_PAGE_WORDS, CODE_STRIDE, CODE_VERSION } from "./decoded.js";
import type { TlbHolder } from "./memory.js";
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE } from "./page.js";
import { Slab } from "./slab.js";

export class DecodedPages {
  /** host offsets of probed instructions (GuestMemory.probes) */
  readonly probes = new Set<number>();
  /**
   * [0]: bumped whenever any page's version is (decoded instructions dropped or probed). (A one-word
   * array, not a field: V8 takes a field never written since construction for a constant, and
   * threw away the run loop's optimized code at the first change — WasmRuntime.released too.)
   */
  readonly changes = new Int32Array(1);
  /** decoded pages made so far: how much code the memory's programs ran */
  created = 0;
  /** decoded pages by frame (host offset / PAGE_SIZE); grown as code pages appear */
  private readonly pages: (Int32Array | undefined)[] = [];
  /**
   * where decoded pages are carved from: their memory is committed as entries are written (a
   * forgotten frame's page is not reused: code compiled from it may still read its version word)
   */
  private readonly slab = new Slab();
  /**
   * decoded instructions whose second half lies on another page: [page, entry, second host page,
   * virtual page of the first half as the decoding hart translated it]
   */
  private crossPage: [Int32Array, number, number, number][] = [];

  constructor(
    /** the memory's TlbHolders: told to drop write translations of a page that becomes code */
    private readonly tlbHolders: Set<TlbHolder>,
    /** called when a page becomes code (the memory bumps its generation) */
    private readonly pageCreated: () => void,
  ) {}

  /** GuestMemory.codePage: the decoded page of the frame at `hostPage`, created on first use. */
  codePage(hostPage: number): Int32Array {
    const frame = hostPage >>> PAGE_SHIFT;
    let page = this.pages[frame];
    if (page === undefined) {
      page = this.slab.int32s(CODE_PAGE_WORDS);
      while (this.pages.length <= frame) this.pages.push(undefined);
      this.pages[frame] = page;
      this.created++;
      // Harts may hold write translations of this frame; stores to it must now take the slow
      // path that keeps its decoded instructions coherent.
      for (const h of this.tlbHolders) h.dropWritesTo(frame * PAGE_SIZE);
      this.pageCreated();
    }
    return page;
  }

  /** GuestMemory.codePageIfAny */
  codePageIfAny(hostPage: number): Int32Array | undefined {
    return this.pages[hostPage >>> PAGE_SHIFT];
  }

  /** GuestMemory.noteCodeWrite */
  noteCodeWrite(hostOffset: number, length: number): void {
    // An instruction starting up to 2 bytes before the write may overlap it.
    const first = hostOffset - 2;
    const last = hostOffset + length - 1;
    if ((hostOffset & PAGE_MASK) < 2) {
      const second = hostOffset - (hostOffset & PAGE_MASK);
      this.dropCrossPage((host) => host === second);
    }
    for (let frame = Math.floor(first / PAGE_SIZE); frame <= Math.floor(last / PAGE_SIZE); frame++) {
      const page = this.pages[frame];
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
          this.changes[0]!++;
          break;
        }
      }
    }
  }

  /** GuestMemory.noteCrossPageInstruction: `vpn` is the virtual page of the instruction's first half. */
  noteCrossPageInstruction(page: Int32Array, entry: number, secondHostPage: number, vpn: number): void {
    this.crossPage.push([page, entry, secondHostPage, vpn]);
  }

  /**
   * A mapping changed: drop the instructions decoded across a page boundary whose second half may
   * now come from another frame (or fault) — every one, or, when the change names the virtual pages
   * [first, end) it touched (user mode), those with either half there. (Dropping them all at every
   * mmap bumped the version of the pages holding them, so their compiled code was thrown away and
   * compiled again: Lua's interpreter loop, whose page holds one, 13 times in one run.)
   */
  forgetCrossPage(first = Number.NEGATIVE_INFINITY, end = Number.POSITIVE_INFINITY): void {
    this.dropCrossPage((_, vpn) => vpn >= first - 1 && vpn < end);
  }

  /** The frame at `hostPage` no longer backs guest memory: its decoded page and probes go. */
  forgetFrame(hostPage: number): void {
    const frame = hostPage >>> PAGE_SHIFT;
    if (frame < this.pages.length) this.pages[frame] = undefined;
    if (this.probes.size !== 0) {
      for (const at of this.probes) if (Math.floor(at / PAGE_SIZE) === frame) this.probes.delete(at);
    }
  }

  /** Drop the cross-page instructions `hit` names (by second host page and first virtual page). */
  private dropCrossPage(hit: (secondHostPage: number, vpn: number) => boolean): void {
    if (this.crossPage.length === 0) return;
    this.crossPage = this.crossPage.filter(([page, entry, second, vpn]) => {
      if (!hit(second, vpn)) return true;
      page.fill(0, entry, entry + CODE_STRIDE);
      page[CODE_VERSION]++;
      this.changes[0]!++;
      return false;
    });
  }
}
