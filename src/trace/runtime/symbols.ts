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
