// Symbols ordered and chosen the way GNU objdump names addresses ("<main+0x1c>") and labels code
// (tie-breaking between symbols at one address: symbol-order.ts).

import { pltSymbols, relocationSlotNames } from "./dynamic.js";
import { type ElfFile, type ElfSymbol, SHN_UNDEF, STT_FILE, STT_SECTION } from "./elf.js";
import { isMappingSymbol, preferSymbol } from "./symbol-order.js";

export { isMappingSymbol, preferSymbol };

export type IndexedSymbol = ElfSymbol;

export class SymbolIndex {
  /** Candidate symbols sorted by address, the preferred name first among equal addresses. */
  readonly sorted: IndexedSymbol[];
  /** Symbols from the symbol table itself (not synthetic), by identity. */
  private readonly regular = new Set<IndexedSymbol>();
  /** Exact names of dynamic-relocation slots (GOT entries). */
  private readonly slots: Map<number, string>;

  constructor(readonly elf: ElfFile) {
    const syms: IndexedSymbol[] = [];
    for (const s of elf.symbols) {
      // objdump names addresses only by real symbols: not files, sections, undefined or mapping ones.
      if (s.type === STT_FILE || s.type === STT_SECTION || s.shndx === SHN_UNDEF) continue;
      if (s.name === "" || isMappingSymbol(s.name)) continue;
      syms.push(s);
    }
    for (const s of syms) this.regular.add(s);
    syms.push(...pltSymbols(elf));
    syms.sort((a, b) => a.value - b.value || preferSymbol(a, b));
    this.sorted = syms;
    this.slots = relocationSlotNames(elf);
  }

  /** Index of the first symbol of the last address group at or below addr, or -1. */
  private groupAtOrBelow(addr: number): number {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]!.value <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return s.length > 0 ? 0 : -1; // below every symbol: the lowest one, at a negative offset
    const v = s[best]!.value;
    while (best > 0 && s[best - 1]!.value === v) best--;
    return best;
  }

  /**
   * objdump's name for an address: the nearest symbol at or below it (below every symbol: the lowest
   * one, with a negative offset); among symbols at that address the preferred one, taking one in
   * `section` (index) first when there is one.
   */
  lookup(addr: number, section?: number): { symbol: IndexedSymbol; offset: number } | undefined {
    // A negative address is a 64-bit one that wrapped (tp-relative notes): it lies above everything.
    const a = addr < 0 ? addr + 2 ** 64 : addr;
    const first = this.groupAtOrBelow(a);
    if (first < 0) return undefined;
    const s = this.sorted;
    let pick = s[first]!;
    if (section !== undefined) {
      for (let i = first; i < s.length && s[i]!.value === pick.value; i++) {
        if (s[i]!.shndx === section) {
          pick = s[i]!;
          break;
        }
      }
    }
    return { symbol: pick, offset: a - pick.value };
  }

  /** "name", "name+0x1c" or (below every symbol) "name-0x8", as objdump writes between < and >. */
  describe(addr: number, section?: number): string | undefined {
    const slot = this.slots.get(addr);
    if (slot !== undefined) return slot;
    const hit = this.lookup(addr, section);
    if (!hit) return undefined;
    if (hit.offset === 0) return hit.symbol.name;
    if (hit.offset < 0) return `${hit.symbol.name}-0x${(-hit.offset).toString(16)}`;
    let off = hit.offset.toString(16);
    if (addr < 0 || !Number.isSafeInteger(addr)) {
      // Exact 64-bit offset for wrapped or huge addresses (rare: BigInt is fine here).
      const exact = BigInt.asUintN(64, BigInt(Math.trunc(addr)));
      off = (exact - BigInt(hit.symbol.value)).toString(16);
    }
    return `${hit.symbol.name}+0x${off}`;
  }

  /** The first symbol-table (not synthetic) symbol defined in `section` at or after `addr`. */
  firstInSectionFrom(section: number, addr: number): IndexedSymbol | undefined {
    let best: IndexedSymbol | undefined;
    for (const s of this.sorted) {
      if (this.regular.has(s) && s.shndx === section && s.value >= addr && (!best || s.value < best.value))
        best = s;
    }
    return best;
  }

  /** Label per address inside a section: address → preferred symbol defined in that section. */
  labels(section: number): Map<number, IndexedSymbol> {
    const sec = this.elf.sections[section];
    const out = new Map<number, IndexedSymbol>();
    if (!sec) return out;
    for (const s of this.sorted) {
      if (s.shndx !== section || s.value < sec.addr || s.value >= sec.addr + sec.size) continue;
      if (!out.has(s.value)) out.set(s.value, s);
    }
    return out;
  }
}
