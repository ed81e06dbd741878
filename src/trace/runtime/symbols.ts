// Addresses as %a, %A, sym() and stack frames print them, from what a resolver knows:
//   inside a symbol          main+0x1c       (prog`main+0x1c when the resolver names a module)
//   at a symbol's first byte main
//   in a module, no symbol   prog`0x10078
//   nothing known            0x10078
// (dtrace_addr2str's rules; hartscope's user mode names no module unless the resolver does.)

import { type IntValue, toBig } from "./values.js";

/** What a resolver knows about an address. */
export interface ResolvedAddress {
  /** the containing object (executable or library basename), when the resolver names one */
  readonly module?: string;
  /** the symbol containing the address */
  readonly symbol?: string;
  /** the address minus the symbol's value */
  readonly offset?: IntValue;
}

/** Looks an address up; undefined when nothing is known about it. */
export type SymbolResolver = (address: bigint) => ResolvedAddress | undefined;

/** The text dtrace prints for `address` (an unsigned 64-bit value). */
export function resolveAddress(address: IntValue, resolver: SymbolResolver | undefined): string {
  const a = BigInt.asUintN(64, toBig(address));
  const r = resolver?.(a);
  const mod = r?.module !== undefined ? `${r.module}\`` : "";
  if (r?.symbol !== undefined) {
    const off = toBig(r.offset ?? 0);
    return off === 0n ? `${mod}${r.symbol}` : `${mod}${r.symbol}+0x${off.toString(16)}`;
  }
  return `${mod}0x${a.toString(16)}`;
}

interface SymbolEntry {
  readonly name: string;
  readonly address: number;
  readonly size: number;
  readonly module: string | undefined;
}

/**
 * Functions of the loaded modules, sorted for binary search: an address inside one resolves to it
 * (with its module's name when the module has one), an address elsewhere in a named module's span
 * to that module alone. Modules are added as they load (shared objects at run time).
 */
export class SymbolTable {
  private entries: SymbolEntry[] = [];
  private spans: { low: number; high: number; module: string }[] = [];

  add(
    module: string | undefined,
    funcs: readonly { name: string; address: number; size: number }[],
    span: readonly [number, number],
  ): void {
    for (const f of funcs) this.entries.push({ ...f, module });
    this.entries.sort((a, b) => a.address - b.address);
    if (module !== undefined && span[1] > span[0]) this.spans.push({ low: span[0], high: span[1], module });
  }

  resolve(address: bigint): ResolvedAddress | undefined {
    if (address > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    const a = Number(address);
    const e = this.entries;
    let lo = 0;
    let hi = e.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (e[mid]!.address <= a) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const f = best >= 0 ? e[best]! : undefined;
    if (f !== undefined && a < f.address + f.size) {
      return { module: f.module, symbol: f.name, offset: BigInt(a - f.address) };
    }
    const span = this.spans.find((s) => a >= s.low && a < s.high);
    return span === undefined ? undefined : { module: span.module };
  }
}
