// The vocabulary of ir.ts evaluated on BigInts, written from its definitions (ir.ts comments, the
// ISA manual): the oracle every lowering of the vocabulary (JavaScript, WebAssembly) is tested against.

import type { Expr } from "../../src/hart/ir.js";

export const M64 = (1n << 64n) - 1n;
export const u64 = (v: bigint) => v & M64;
const s64 = (v: bigint) => BigInt.asIntN(64, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);
const u32 = (v: bigint) => BigInt.asUintN(32, v);

export type Env = Record<string, bigint>;

/** The vocabulary's meaning, on unsigned 64-bit BigInts. */
export function evaluate(e: Expr, env: Env): bigint {
  switch (e.k) {
    case "leaf":
      return env[e.leaf]!;
    case "const":
      return u64(BigInt(e.value));
    case "sel":
      return evaluate(e.c, env) !== 0n ? evaluate(e.a, env) : evaluate(e.b, env);
    case "cmp": {
      const a = evaluate(e.a, env);
      const b = evaluate(e.b, env);
      const r = {
        eq: a === b,
        ne: a !== b,
        lt: s64(a) < s64(b),
        ge: s64(a) >= s64(b),
        ltu: a < b,
        geu: a >= b,
      }[e.op];
      return r ? 1n : 0n;
    }
    case "un": {
      const a = evaluate(e.a, env);
      const bits = (v: bigint, w: number) => [...Array(w)].map((_, i) => (v >> BigInt(i)) & 1n);
      const lead = (v: bigint, w: number) => {
        let n = 0n;
        for (let i = w - 1; i >= 0 && ((v >> BigInt(i)) & 1n) === 0n; i--) n++;
        return n;
      };
      const trail = (v: bigint, w: number) => {
        let n = 0n;
        for (let i = 0; i < w && ((v >> BigInt(i)) & 1n) === 0n; i++) n++;
        return n;
      };
      switch (e.op) {
        case "not":
          return u64(~a);
        case "sext8":
          return u64(BigInt.asIntN(8, a));
        case "sext16":
          return u64(BigInt.asIntN(16, a));
        case "sext32":
          return u64(s32(a));
        case "zext16":
          return a & 0xffffn;
        case "zext32":
          return u32(a);
        case "clz":
          return lead(a, 64);
        case "ctz":
          return trail(a, 64);
        case "cpop":
          return bits(a, 64).reduce((x, y) => x + y, 0n);
        case "clz32":
          return lead(u32(a), 32);
        case "ctz32":
          return trail(u32(a), 32);
        case "cpop32":
          return bits(u32(a), 32).reduce((x, y) => x + y, 0n);
        case "rev8": {
          let r = 0n;
          for (let i = 0n; i < 8n; i++) r |= ((a >> (8n * i)) & 0xffn) << (8n * (7n - i));
          return r;
        }
        case "orcb": {
          let r = 0n;
          for (let i = 0n; i < 8n; i++) if (((a >> (8n * i)) & 0xffn) !== 0n) r |= 0xffn << (8n * i);
          return r;
        }
      }
      throw new Error("unknown unary op");
    }
    case "bin": {
      const a = evaluate(e.a, env);
      const b = evaluate(e.b, env);
      const sh = b & 63n;
      const sh32 = b & 31n;
      const divS = (x: bigint, y: bigint, w: number): bigint => {
        if (y === 0n) return -1n;
        if (x === -(1n << BigInt(w - 1)) && y === -1n) return x;
        return x / y; // BigInt division truncates toward zero, as RISC-V's does
      };
      const remS = (x: bigint, y: bigint, w: number): bigint => {
        if (y === 0n) return x;
        if (x === -(1n << BigInt(w - 1)) && y === -1n) return 0n;
        return x % y;
      };
      switch (e.op) {
        case "add":
          return u64(a + b);
        case "sub":
          return u64(a - b);
        case "and":
          return a & b;
        case "or":
          return a | b;
        case "xor":
          return a ^ b;
        case "shl":
          return u64(a << sh);
        case "shr":
          return a >> sh;
        case "sar":
          return u64(s64(a) >> sh);
        case "mul":
          return u64(a * b);
        case "mulh":
          return u64((s64(a) * s64(b)) >> 64n);
        case "mulhsu":
          return u64((s64(a) * b) >> 64n);
        case "mulhu":
          return (a * b) >> 64n;
        case "div":
          return u64(divS(s64(a), s64(b), 64));
        case "divu":
          return b === 0n ? M64 : a / b;
        case "rem":
          return u64(remS(s64(a), s64(b), 64));
        case "remu":
          return b === 0n ? a : a % b;
        case "add32":
          return u64(s32(a + b));
        case "sub32":
          return u64(s32(a - b));
        case "shl32":
          return u64(s32(a << sh32));
        case "shr32":
          return u64(s32(u32(a) >> sh32));
        case "sar32":
          return u64(s32(a) >> sh32);
        case "mul32":
          return u64(s32(a * b));
        case "div32":
          return u64(s32(divS(s32(a), s32(b), 32)));
        case "divu32":
          return u64(s32(u32(b) === 0n ? M64 : u32(a) / u32(b)));
        case "rem32":
          return u64(s32(remS(s32(a), s32(b), 32)));
        case "remu32":
          return u64(s32(u32(b) === 0n ? u32(a) : u32(a) % u32(b)));
      }
    }
  }
}
