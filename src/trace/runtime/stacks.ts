// User stacks as values: what ustack() records, how an aggregation keys on it and how dtrace(1)
// prints it. A stack value is a string of 16 hex digits per frame, innermost frame first, so equal
// stacks are equal keys and stacks sort as dtrace compares its stack records: frame by frame as
// unsigned addresses, a stack that is a prefix of another first.
//
// Printed (dt_print_ustack's layout): a newline, then one line per frame, indented by the
// stackindent option (14 columns by default): `module`symbol+0xoffset`, `module`symbol` at the
// symbol's first byte, `module`0xaddress` or `0xaddress` where no symbol is known.

import { resolveAddress, type SymbolResolver } from "./symbols.js";
import type { StackType } from "./values.js";

/** dtrace's default stackindent. */
export const DEFAULT_STACK_INDENT = 14;
/** dtrace's default ustackframes: the frames ustack() records without an argument. */
export const DEFAULT_USTACK_FRAMES = 100;

const DIGITS = 16;
const PAD = "0".repeat(DIGITS);

/** Each address's digits, made once (frames are code addresses: a bounded set). */
const pieces = new Map<number, string>();

/** The value of a stack of return addresses (innermost first). */
export function encodeStack(frames: readonly number[]): string {
  let s = "";
  for (const f of frames) {
    let p = pieces.get(f);
    if (p === undefined) {
      const h = f.toString(16);
      p = PAD.slice(h.length) + h;
      pieces.set(f, p);
    }
    s += p;
  }
  return s;
}

/** The frames of a stack value. */
export function decodeStack(v: string): number[] {
  const out: number[] = [];
  for (let i = 0; i + DIGITS <= v.length; i += DIGITS) out.push(Number.parseInt(v.slice(i, i + DIGITS), 16));
  return out;
}

/** A stack type whose frames are named by `resolver` (memoised per address), printed with `indent`. */
export function stackType(resolver: SymbolResolver | undefined, indent = DEFAULT_STACK_INDENT): StackType {
  const names = new Map<number, string>();
  return {
    kind: "stack",
    indent,
    frameName(address: number): string {
      let n = names.get(address);
      if (n === undefined) {
        n = resolveAddress(BigInt(address), resolver);
        names.set(address, n);
      }
      return n;
    },
  };
}

/** A stack as dtrace prints it: a newline, then each frame on its own indented line. */
export function formatStack(v: string, type: StackType): string {
  const pad = " ".repeat(type.indent);
  let out = "\n";
  for (const f of decodeStack(v)) out += `${pad}${type.frameName(f)}\n`;
  return out;
}

/** The frames' names (JSON output). */
export function stackFrameNames(v: string, type: StackType): string[] {
  return decodeStack(v).map((f) => type.frameName(f));
}
