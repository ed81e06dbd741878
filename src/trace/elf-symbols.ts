// Names of addresses in a loaded ELF for stack frames and %a: the function symbol containing the
// address (the same names fbt and kinst probes use), or just the module for an address inside one
// of its segments. dtrace prints user frames as module`symbol+0xoffset, the module being the
// object's file name.

import { type ElfFile, PT_LOAD } from "../elf/elf.js";
import { functionSymbols } from "./providers/index.js";
import type { ResolvedAddress, SymbolResolver } from "./runtime/symbols.js";

/** A resolver over `elf`'s function symbols, loaded at `bias`; frames name `module` when given. */
export function elfResolver(elf: ElfFile, bias: number, module?: string): SymbolResolver {
  const funcs = functionSymbols(elf, bias);
  const starts = funcs.map((f) => f.address);
  const segments = elf.phdrs
    .filter((p) => p.type === PT_LOAD)
    .map((p) => [p.vaddr + bias, p.vaddr + bias + p.memsz] as const);
  return (address: bigint): ResolvedAddress | undefined => {
    if (address >= 1n << 53n) return undefined;
    const a = Number(address);
    // the last function starting at or before a
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= a) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found >= 0) {
      const f = funcs[found]!;
      if (a < f.address + f.size) return { module, symbol: f.name, offset: a - f.address };
    }
    if (module !== undefined && segments.some(([s, e]) => a >= s && a < e)) return { module };
    return undefined;
  };
}
