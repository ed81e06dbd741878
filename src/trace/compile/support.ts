// What compiled D clauses call besides the runtime's tables: 64-bit integer helpers, subroutines
// over the guest's memory (copyin, copyinstr, stringof) and string subroutines. Integers inside a
// clause are bigints wrapped to their D type; the runtime gets them in normal form (values.ts).

import type { HartView } from "../../hart/probe-sink.js";
import { Fault } from "../runtime/faults.js";
import { type IntValue, normalBig } from "../runtime/values.js";

/** A fault raised inside a clause; the clause's wrapper names the action and reports it. */
export class ClauseFault {
  constructor(
    readonly fault: Fault,
    readonly address?: IntValue,
  ) {}
}

/** The view BEGIN, END and timers without a running hart see: no registers, no memory. */
export const NO_HART: HartView = {
  id: 0,
  pc: 0,
  retired: 0,
  x: () => 0n,
  xNumber: () => 0,
  f: () => 0n,
  read: () => undefined,
};

export const norm = (v: bigint): IntValue => normalBig(v);

export function divide(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new ClauseFault(Fault.DivideByZero);
  return a / b;
}

export function remainder(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new ClauseFault(Fault.DivideByZero);
  return a % b;
}

/** A guest address as a number, or a bad-address fault when it cannot be one. */
function address(addr: bigint): number {
  const a = BigInt.asUintN(64, addr);
  if (a >= 1n << 53n) throw new ClauseFault(Fault.BadAddress, addr);
  return Number(a);
}

export function copyin(view: HartView, addr: bigint, size: bigint): Uint8Array {
  if (size < 0n || size > 1n << 20n) throw new ClauseFault(Fault.BadSize);
  const bytes = view.read(address(addr), Number(size));
  if (bytes === undefined) throw new ClauseFault(Fault.BadAddress, addr);
  return bytes.slice();
}

const decoder = new TextDecoder("latin1");

/** The NUL-terminated string at addr, at most `max` bytes (D's strsize). */
export function copyinstr(view: HartView, addr: bigint, max: number): string {
  const start = address(addr);
  let out = "";
  let at = start;
  while (at - start < max) {
    // read in chunks that never cross a page, so a string ending before an unmapped page reads
    const chunk = Math.min(max - (at - start), 4096 - (at % 4096));
    const bytes = view.read(at, chunk);
    if (bytes === undefined) throw new ClauseFault(Fault.BadAddress, BigInt(at));
    const nul = bytes.indexOf(0);
    if (nul >= 0) return out + decoder.decode(bytes.subarray(0, nul));
    out += decoder.decode(bytes);
    at += chunk;
  }
  return out;
}

export function substr(s: string, index: bigint, length?: bigint): string {
  let i = Number(index);
  if (i < 0) i = Math.max(0, s.length + i);
  if (length === undefined) return s.slice(i);
  const n = Number(length);
  return n < 0 ? s.slice(i, Math.max(i, s.length + n)) : s.slice(i, i + n);
}

/** basename(3) as D has it: "/" for "/", "." for "". */
export function basename(s: string): string {
  if (s === "") return ".";
  const trimmed = s.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** lltostr(v[, base]) */
export function lltostr(v: bigint, base?: bigint): string {
  const b = base === undefined ? 10 : Number(base);
  if (b < 2 || b > 36) throw new ClauseFault(Fault.IllegalOperation);
  if (b === 10) return v.toString();
  return BigInt.asUintN(64, v).toString(b);
}

/** A buffer (copyin) printed or compared as a string: up to its first NUL. */
export function bufferString(b: Uint8Array | string): string {
  if (typeof b === "string") return b;
  const nul = b.indexOf(0);
  return decoder.decode(nul >= 0 ? b.subarray(0, nul) : b);
}

const A0 = 10;

/** argN: the provider's argument, or a0..a7 at the probe (as int64). */
export function arg(view: HartView, args: readonly bigint[] | undefined, i: number): bigint {
  if (args !== undefined) return i < args.length ? args[i]! : 0n;
  return i < 8 ? BigInt.asIntN(64, view.x(A0 + i)) : 0n;
}

/** uregs[i]: x0..x31, then the pc. */
export function ureg(view: HartView, i: bigint): bigint {
  if (i < 32n && i >= 0n) return view.x(Number(i));
  if (i === 32n) return BigInt(view.pc);
  throw new ClauseFault(Fault.IllegalOperation);
}

/** An associative array's key for a tuple of several values. */
export function joinKey(...parts: (bigint | string)[]): string {
  return parts.map((p) => (typeof p === "string" ? `s${p}` : `i${p}`)).join("\0");
}
