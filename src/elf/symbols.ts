// Symbols ordered and chosen the way GNU objdump names addresses ("<main+0x1c>") and labels code.
// When several symbols share an address, objdump prefers (in this order, found by experiment with
// crafted symbol tables, see test/elf/symbols.test.ts): a function, then an object, then anything else; global, then weak, then local; the larger size; a name not starting
// with '.'; finally the smaller name in byte order.

import {
  type ElfFile,
  type ElfSymbol,
  SHN_UNDEF,
  STB_GLOBAL,
  STB_LOCAL,
  STT_FILE,
  STT_FUNC,
  STT_SECTION,
} from "./elf.js";

export type IndexedSymbol = ElfSymbol;

/** RISC-V mapping symbols ($x, $x<isa>, $d) mark code and data; they never name an address (psABI). */
export function isMappingSymbol(name: string): boolean {
  return name === "$d" || name.startsWith("$x") || name.startsWith("$d.");
}

function byteCompare(a: string, b: string): number {
  // Symbol names are mostly ASCII; compare UTF-16 code units like strcmp compares bytes for ASCII.
  return a < b ? -1 : a > b ? 1 : 0;
}

const STT_OBJECT = 1;
const STT_GNU_IFUNC = 10;

const typeRank = (s: IndexedSymbol) =>
  s.type === STT_FUNC || s.type === STT_GNU_IFUNC ? 0 : s.type === STT_OBJECT ? 1 : 2;
const bindRank = (s: IndexedSymbol) => (s.bind === STB_GLOBAL ? 0 : s.bind === STB_LOCAL ? 2 : 1);

/** Negative when `a` is objdump's better name for their (equal) address. */
export function preferSymbol(a: IndexedSymbol, b: IndexedSymbol): number {
  return (
    typeRank(a) - typeRank(b) ||
    bindRank(a) - bindRank(b) ||
    b.size - a.size ||
    (a.name.startsWith(".") ? 1 : 0) - (b.name.startsWith(".") ? 1 : 0) ||
    byteCompare(a.name, b.name)
  );
}

export class SymbolIndex {
  /** Candidate symbols sorted by address, the preferred name first among equal addresses. */
  readonly sorted: IndexedSymbol[];

  constructor(readonly elf: ElfFile) {
    const syms: IndexedSymbol[] = [];
    for (const s of elf.symbols) {
      // objdump names addresses only by real symbols: not files, sections, undefined or mapping ones.
      if (s.type === STT_FILE || s.type === STT_SECTION || s.shndx === SHN_UNDEF) continue;
      if (s.name === "" || isMappingSymbol(s.name)) continue;
      syms.push(s);
    }
    syms.sort((a, b) => a.value - b.value || preferSymbol(a, b));
    this.sorted = syms;
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

  /** The first symbol defined in `section` at or after `addr`. */
  firstInSectionFrom(section: number, addr: number): IndexedSymbol | undefined {
    let best: IndexedSymbol | undefined;
    for (const s of this.sorted) {
      if (s.shndx === section && s.value >= addr && (!best || s.value < best.value)) best = s;
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
