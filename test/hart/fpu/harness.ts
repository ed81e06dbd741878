// Shared by the fpu tests: a description of every F/D op (operand kinds, formats), a way to run
// the fast implementation on real HartState registers, seeded operand generators, special values.

import * as fpu from "../../../src/hart/fpu/index.js";
import { REF_OPS, type RefOp } from "../../../src/hart/fpu/ref/ops.js";
import { F, HartState } from "../../../src/hart/state.js";

export type Kind = "S" | "D" | "X"; // an f register holding S or D, or an x register

export interface OpSpec {
  /** function name, e.g. fcvt_w_d */
  name: string;
  /** assembler mnemonic, e.g. fcvt.w.d */
  mnemonic: string;
  fn: fpu.FpuOp;
  ref: RefOp;
  /** kind of each source operand */
  srcs: Kind[];
  dst: Kind;
  /** whether the instruction has an rm field that matters */
  rounds: boolean;
}

function spec(name: string, srcs: Kind[], dst: Kind, rounds: boolean): OpSpec {
  const fn = (fpu as unknown as Record<string, fpu.FpuOp>)[name];
  const ref = REF_OPS[name];
  if (fn === undefined || ref === undefined)
    throw new Error(`fpu test harness: no implementation for ${name}`);
  return { name, mnemonic: name.replace(/_/g, "."), fn, ref, srcs, dst, rounds };
}

function buildOps(): OpSpec[] {
  const ops: OpSpec[] = [];
  for (const k of ["S", "D"] as const) {
    const s = k.toLowerCase();
    for (const op of ["fadd", "fsub", "fmul", "fdiv"]) ops.push(spec(`${op}_${s}`, [k, k], k, true));
    ops.push(spec(`fsqrt_${s}`, [k], k, true));
    for (const op of ["fmin", "fmax", "fsgnj", "fsgnjn", "fsgnjx"])
      ops.push(spec(`${op}_${s}`, [k, k], k, false));
    for (const op of ["fmadd", "fmsub", "fnmsub", "fnmadd"]) ops.push(spec(`${op}_${s}`, [k, k, k], k, true));
    for (const op of ["feq", "flt", "fle"]) ops.push(spec(`${op}_${s}`, [k, k], "X", false));
    ops.push(spec(`fclass_${s}`, [k], "X", false));
    for (const t of ["w", "wu", "l", "lu"]) {
      ops.push(spec(`fcvt_${t}_${s}`, [k], "X", true));
      ops.push(spec(`fcvt_${s}_${t}`, ["X"], k, true));
    }
  }
  ops.push(spec("fcvt_s_d", ["D"], "S", true));
  ops.push(spec("fcvt_d_s", ["S"], "D", false));
  ops.push(spec("fmv_x_w", ["S"], "X", false));
  ops.push(spec("fmv_w_x", ["X"], "S", false));
  ops.push(spec("fmv_x_d", ["D"], "X", false));
  ops.push(spec("fmv_d_x", ["X"], "D", false));
  return ops;
}

export const OPS: OpSpec[] = buildOps();

export interface Outcome {
  bits: bigint;
  flags: number;
}

const state = new HartState();
const M64 = (1n << 64n) - 1n;
/** register numbers used: sources f1..f3 / x5..x7, destination f10 / x10 */
const DST = 10;

function setReg(r: Int32Array, base: number, v: bigint): void {
  r[base] = Number(BigInt.asIntN(32, v));
  r[base + 1] = Number(BigInt.asIntN(32, v >> 32n));
}

function getReg(r: Int32Array, base: number): bigint {
  return (BigInt(r[base + 1]! >>> 0) << 32n) | BigInt(r[base]! >>> 0);
}

/**
 * Runs the fast implementation with the given 64-bit source register values. alias = true
 * makes the destination the first source register (rd == rs1) when both are f registers.
 */
export function runFast(op: OpSpec, srcs: readonly bigint[], rm: number, alias = false): Outcome {
  const r = state.r;
  const idx = [0, 0, 0];
  for (let i = 0; i < op.srcs.length; i++) {
    const isX = op.srcs[i] === "X";
    idx[i] = isX ? 5 + i : 1 + i;
    setReg(r, isX ? 2 * idx[i]! : F + 2 * idx[i]!, srcs[i]! & M64);
  }
  const dstX = op.dst === "X";
  const rd = alias && !dstX && op.srcs[0] !== "X" ? idx[0]! : DST;
  if (rd === DST) setReg(r, dstX ? 2 * DST : F + 2 * DST, 0x5a5a5a5a5a5a5a5an); // garbage: every word must be written
  const flags = op.fn(r, state.fd, rd, idx[0]!, idx[1]!, idx[2]!, rm);
  return { bits: getReg(r, dstX ? 2 * rd : F + 2 * rd), flags };
}

export function runRef(op: OpSpec, srcs: readonly bigint[], rm: number): Outcome {
  const res = op.ref(srcs[0] ?? 0n, srcs[1] ?? 0n, srcs[2] ?? 0n, op.rounds ? rm : 0);
  return { bits: res.bits, flags: res.flags };
}

export const RM_NAMES = ["rne", "rtz", "rdn", "rup", "rmm"];

export function hex(v: bigint): string {
  return `0x${v.toString(16).padStart(16, "0")}`;
}

export function describe(op: OpSpec, srcs: readonly bigint[], rm: number): string {
  return `${op.mnemonic} ${srcs.map(hex).join(" ")} rm=${RM_NAMES[rm]}`;
}

// --- seeded generation ---

/** xorshift128: small, fast, and reproducible from a 32-bit seed. */
export class Rng {
  private x: number;
  private y = 362436069;
  private z = 521288629;
  private w = 88675123;
  constructor(seed: number) {
    this.x = seed | 0 || 1;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = this.x ^ (this.x << 11);
    this.x = this.y;
    this.y = this.z;
    this.z = this.w;
    this.w = this.w ^ (this.w >>> 19) ^ (t ^ (t >>> 8));
    return this.w >>> 0;
  }
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
  bits(n: number): bigint {
    let v = 0n;
    for (let got = 0; got < n; got += 32) v = (v << 32n) | BigInt(this.u32());
    return BigInt.asUintN(n, v);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)]!;
  }
}

const BOX = 0xffffffffn << 32n;
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function dBits(x: number): bigint {
  f64[0] = x;
  return u64[0]!;
}
export function dVal(bits: bigint): number {
  u64[0] = bits;
  return f64[0]!;
}
export function sBits(x: number): bigint {
  f32[0] = x;
  return BigInt(u32[0]!);
}
export function sVal(bits: bigint): number {
  u32[0] = Number(bits & 0xffffffffn);
  return f32[0]!;
}
export function box(bits32: bigint): bigint {
  return BOX | bits32;
}

interface Layout {
  fracBits: number;
  expBits: number;
}
const LAYOUT: Record<"S" | "D", Layout> = {
  S: { fracBits: 23, expBits: 8 },
  D: { fracBits: 52, expBits: 11 },
};

/** Special values of a format, as raw (unboxed) bits. */
export function specials(k: "S" | "D"): bigint[] {
  const { fracBits, expBits } = LAYOUT[k];
  const sign = 1n << BigInt(fracBits + expBits);
  const expMax = (1n << BigInt(expBits)) - 1n;
  const one = ((expMax >> 1n) << BigInt(fracBits)) | 0n;
  const inf = expMax << BigInt(fracBits);
  const quiet = 1n << BigInt(fracBits - 1);
  const pos = [
    0n, // +0
    1n, // min subnormal
    3n,
    (1n << BigInt(fracBits)) - 1n, // max subnormal
    1n << BigInt(fracBits), // min normal
    (1n << BigInt(fracBits)) | 1n,
    one, // 1.0
    one | quiet, // 1.5
    one + 1n, // 1 + ulp
    one - 1n, // 1 - ulp/2
    one + (1n << BigInt(fracBits)), // 2.0
    inf - 1n, // max finite
    inf - (1n << BigInt(fracBits)), // 2^emax
    inf, // inf
    inf | quiet, // canonical qNaN
    inf | quiet | 5n, // qNaN with payload
    inf | 1n, // sNaN
  ];
  return [...pos, ...pos.map((v) => v | sign)];
}

/** A random value of format k as raw bits, from a mix of distributions that find edge cases. */
export function randomRaw(rng: Rng, k: "S" | "D"): bigint {
  const { fracBits, expBits } = LAYOUT[k];
  const bias = (1 << (expBits - 1)) - 1;
  const expMax = (1 << expBits) - 1;
  const sign = rng.chance(0.5) ? 1n << BigInt(fracBits + expBits) : 0n;
  const frac = (): bigint => {
    const roll = rng.below(4);
    if (roll === 0) {
      // few significant bits: exact results and ties
      const keep = rng.below(12);
      return (rng.bits(keep) << BigInt(fracBits - keep)) & ((1n << BigInt(fracBits)) - 1n);
    }
    if (roll === 1) return rng.chance(0.5) ? (1n << BigInt(fracBits)) - 1n - rng.bits(3) : rng.bits(3);
    return rng.bits(fracBits);
  };
  const pack = (e: number): bigint => sign | (BigInt(e) << BigInt(fracBits)) | frac();
  const roll = rng.below(20);
  if (roll < 2) return rng.pick(specials(k));
  if (roll < 4) return rng.bits(fracBits + expBits + 1); // anything
  if (roll < 6) return pack(rng.below(3)); // subnormal and tiny normal
  if (roll < 7) return pack(expMax - 1 - rng.below(3)); // near overflow
  if (roll < 9) return pack(bias + rng.below(70) - 5); // integer-sized values, for conversions
  return pack(bias + rng.below(60) - 30); // ordinary values
}

/** A random register value for an operand of kind k (S values are NaN-boxed, rarely not). */
export function randomReg(rng: Rng, k: Kind): bigint {
  if (k === "X") return randomInt(rng);
  const raw = randomRaw(rng, k);
  if (k === "D") return raw;
  return rng.chance(0.03) ? (rng.bits(32) << 32n) | raw : box(raw);
}

/** 64-bit integers near the places where int -> float conversion rounds. */
export function randomInt(rng: Rng): bigint {
  const roll = rng.below(6);
  if (roll === 0) return rng.bits(64);
  if (roll === 1) return BigInt.asUintN(64, BigInt(rng.below(2001) - 1000));
  const p = rng.pick([24, 53]);
  const top = (1n << BigInt(p - 1)) | rng.bits(p - 1);
  const t = 1 + rng.below(64 - p);
  const tails = [
    1n << BigInt(t - 1),
    (1n << BigInt(t - 1)) - 1n,
    (1n << BigInt(t - 1)) + 1n,
    rng.bits(t),
    0n,
  ];
  let v = (top << BigInt(t)) | (rng.pick(tails) & ((1n << BigInt(t)) - 1n));
  v = BigInt.asUintN(64, v);
  if (roll === 2) v = BigInt.asUintN(64, -BigInt.asIntN(64, v));
  if (roll === 3) v &= 0xffffffffn; // a 32-bit source
  if (roll === 4 && rng.chance(0.5)) v = BigInt.asUintN(64, BigInt.asIntN(32, v & 0xffffffffn));
  return v;
}

/** Operands for op, with relations between them (cancellation, products near -c) part of the time. */
export function randomOperands(rng: Rng, op: OpSpec): bigint[] {
  const xs = op.srcs.map((k) => randomReg(rng, k));
  const k = op.srcs[0]!;
  if (k === "X" || op.srcs.length < 2 || op.srcs.some((s) => s !== k) || !rng.chance(0.35)) return xs;
  const val = (v: bigint): number => (k === "D" ? dVal(v) : sVal(v));
  const reg = (x: number): bigint => (k === "D" ? dBits(x) : box(sBits(x)));
  const nudge = (v: bigint): bigint => {
    const delta = BigInt(rng.below(7) - 3);
    return k === "D" ? BigInt.asUintN(64, v + delta) : box(BigInt.asUintN(32, (v & 0xffffffffn) + delta));
  };
  const a = val(xs[0]!);
  const b = val(xs[1]!);
  const ulp = (x: number): number => {
    const ax = Math.abs(x);
    if (!(ax < Number.MAX_VALUE) || ax === 0) return 0;
    const e = Math.floor(Math.log2(ax));
    return 2 ** (e - (k === "D" ? 52 : 23));
  };
  const sgn = (): number => (rng.chance(0.5) ? -1 : 1);
  const three = sgn() * 3 * 2 ** (rng.below(9) - 4); // 1.1b: products with a just one bit too many
  if (rng.chance(0.4)) {
    // ties: a sum or a product exactly halfway between two representable values, or close to it
    if (op.srcs.length === 2) {
      const half = ulp(a) / 2;
      const m = rng.pick([1, 3, 5, -1, 1 + 2 ** -20]);
      xs[1] = /fadd|fsub/.test(op.name) && half > 0 ? reg(sgn() * half * m) : reg(three);
    } else {
      // a * 1.1b is often exactly halfway; an addend far below the product's ulp decides the tie
      xs[1] = reg(three);
      const u = ulp(a * three);
      xs[2] = reg(sgn() * (rng.chance(0.2) ? 0 : u * 2 ** (4 - rng.below(90))));
    }
    return xs;
  }
  if (k === "D" && op.srcs.length === 3 && rng.chance(0.4)) {
    // c = (half an ulp of a*b) - (a*b's low part), rounded: a*b + c lands within a hair of a
    // midpoint, and only a correctly fused sum resolves on which side
    const negProduct = op.name.startsWith("fn");
    const negAddend = op.name.startsWith("fmsub") || op.name.startsWith("fnmadd");
    const ea = negProduct ? -a : a;
    const ph = ea * b;
    const pl = twoProductError(ea, b, ph);
    const c = sgn() * (ulp(ph) / 2) - pl;
    xs[2] = nudge(reg(negAddend ? -c : c));
    return xs;
  }
  if (op.srcs.length === 2) {
    // b close to a or to -a: cancellation, equal operands
    xs[1] = nudge(reg(rng.chance(0.5) ? -a : a));
  } else {
    // c close to -(a*b): the product and the addend cancel
    const p = k === "D" ? a * b : Math.fround(a * b);
    const neg = op.name.startsWith("fmadd") || op.name.startsWith("fnmadd");
    xs[2] = nudge(reg(neg ? -p : p));
  }
  return xs;
}

/** Dekker's TwoProduct error (a*b - RN(a*b)), for generating hard fma cases in double. */
function twoProductError(a: number, b: number, p: number): number {
  const split = (x: number): [number, number] => {
    const t = 134217729 * x;
    const h = t - (t - x);
    return [h, x - h];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return ah * bh - p + ah * bl + al * bh + al * bl;
}
