// Writes WebAssembly binary modules (WebAssembly Core Specification 2.0, chapter 5 "Binary Format").
// Hand-written: no small, kept-up npm library emits wasm binaries synchronously from JS (binaryen is
// a 10+ MB toolchain port, wabt parses the text format).
//
// Two layers: FunctionBody appends one function's instructions (typed emitters and the Op table
// of numeric opcodes); ModuleBuilder collects types, imports, functions, exports and element and
// data segments and writes the sections in the order the format requires (§5.5.2). 64-bit
// constants are given as int32 pairs (lo, hi) and encoded without BigInt, since the region
// compiler emits them on its hot path.

/** Value types (§5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
/** funcref (§5.3.3), the element type of tables */
export const FUNCREF = 0x70;
/** The block type of a block that takes and yields nothing (§5.4.1). */
export const VOID = 0x40;

/** Numeric, parametric and conversion opcodes without immediates (§5.4.2, §5.4.7). */
export const Op = {
  unreachable: 0x00,
  nop: 0x01,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,

  i32_eqz: 0x45,
  i32_eq: 0x46,
  i32_ne: 0x47,
  i32_lt_s: 0x48,
  i32_lt_u: 0x49,
  i32_gt_s: 0x4a,
  i32_gt_u: 0x4b,
  i32_le_s: 0x4c,
  i32_le_u: 0x4d,
  i32_ge_s: 0x4e,
  i32_ge_u: 0x4f,
  i64_eqz: 0x50,
  i64_eq: 0x51,
  i64_ne: 0x52,
  i64_lt_s: 0x53,
  i64_lt_u: 0x54,
  i64_gt_s: 0x55,
  i64_gt_u: 0x56,
  i64_le_s: 0x57,
  i64_le_u: 0x58,
  i64_ge_s: 0x59,
  i64_ge_u: 0x5a,
  f32_eq: 0x5b,
  f32_ne: 0x5c,
  f32_lt: 0x5d,
  f32_gt: 0x5e,
  f32_le: 0x5f,
  f32_ge: 0x60,
  f64_eq: 0x61,
  f64_ne: 0x62,
  f64_lt: 0x63,
  f64_gt: 0x64,
  f64_le: 0x65,
  f64_ge: 0x66,

  i32_clz: 0x67,
  i32_ctz: 0x68,
  i32_popcnt: 0x69,
  i32_add: 0x6a,
  i32_sub: 0x6b,
  i32_mul: 0x6c,
  i32_div_s: 0x6d,
  i32_div_u: 0x6e,
  i32_rem_s: 0x6f,
  i32_rem_u: 0x70,
  i32_and: 0x71,
  i32_or: 0x72,
  i32_xor: 0x73,
  i32_shl: 0x74,
  i32_shr_s: 0x75,
  i32_shr_u: 0x76,
  i32_rotl: 0x77,
  i32_rotr: 0x78,
  i64_clz: 0x79,
  i64_ctz: 0x7a,
  i64_popcnt: 0x7b,
  i64_add: 0x7c,
  i64_sub: 0x7d,
  i64_mul: 0x7e,
  i64_div_s: 0x7f,
  i64_div_u: 0x80,
  i64_rem_s: 0x81,
  i64_rem_u: 0x82,
  i64_and: 0x83,
  i64_or: 0x84,
  i64_xor: 0x85,
  i64_shl: 0x86,
  i64_shr_s: 0x87,
  i64_shr_u: 0x88,
  i64_rotl: 0x89,
  i64_rotr: 0x8a,

  f32_abs: 0x8b,
  f32_neg: 0x8c,
  f32_ceil: 0x8d,
  f32_floor: 0x8e,
  f32_trunc: 0x8f,
  f32_nearest: 0x90,
  f32_sqrt: 0x91,
  f32_add: 0x92,
  f32_sub: 0x93,
  f32_mul: 0x94,
  f32_div: 0x95,
  f32_min: 0x96,
  f32_max: 0x97,
  f32_copysign: 0x98,
  f64_abs: 0x99,
  f64_neg: 0x9a,
  f64_ceil: 0x9b,
  f64_floor: 0x9c,
  f64_trunc: 0x9d,
  f64_nearest: 0x9e,
  f64_sqrt: 0x9f,
  f64_add: 0xa0,
  f64_sub: 0xa1,
  f64_mul: 0xa2,
  f64_div: 0xa3,
  f64_min: 0xa4,
  f64_max: 0xa5,
  f64_copysign: 0xa6,

  i32_wrap_i64: 0xa7,
  i32_trunc_f32_s: 0xa8,
  i32_trunc_f32_u: 0xa9,
  i32_trunc_f64_s: 0xaa,
  i32_trunc_f64_u: 0xab,
  i64_extend_i32_s: 0xac,
  i64_extend_i32_u: 0xad,
  i64_trunc_f32_s: 0xae,
  i64_trunc_f32_u: 0xaf,
  i64_trunc_f64_s: 0xb0,
  i64_trunc_f64_u: 0xb1,
  f32_convert_i32_s: 0xb2,
  f32_convert_i32_u: 0xb3,
  f32_convert_i64_s: 0xb4,
  f32_convert_i64_u: 0xb5,
  f32_demote_f64: 0xb6,
  f64_convert_i32_s: 0xb7,
  f64_convert_i32_u: 0xb8,
  f64_convert_i64_s: 0xb9,
  f64_convert_i64_u: 0xba,
  f64_promote_f32: 0xbb,
  i32_reinterpret_f32: 0xbc,
  i64_reinterpret_f64: 0xbd,
  f32_reinterpret_i32: 0xbe,
  f64_reinterpret_i64: 0xbf,

  // sign-extension operators (§5.4.7, part of WebAssembly 2.0)
  i32_extend8_s: 0xc0,
  i32_extend16_s: 0xc1,
  i64_extend8_s: 0xc2,
  i64_extend16_s: 0xc3,
  i64_extend32_s: 0xc4,
} as const;

/** Opcodes behind the 0xFC prefix (§5.4.7 saturating truncation, §5.4.6 bulk memory). */
export const PrefixedOp = {
  i32_trunc_sat_f32_s: 0,
  i32_trunc_sat_f32_u: 1,
  i32_trunc_sat_f64_s: 2,
  i32_trunc_sat_f64_u: 3,
  i64_trunc_sat_f32_s: 4,
  i64_trunc_sat_f32_u: 5,
  i64_trunc_sat_f64_s: 6,
  i64_trunc_sat_f64_u: 7,
} as const;

// floats are written little-endian (§5.2.3) through one scratch DataView, whatever the host's order
const FLOAT_BYTES = new Uint8Array(8);
const FLOAT_VIEW = new DataView(FLOAT_BYTES.buffer);
const F32_BYTES = FLOAT_BYTES.subarray(0, 4);
const UTF8 = new TextEncoder();
/** names encoded so far: a module per region names the same imports and exports */
const NAMES = new Map<string, Uint8Array>();

/** A growable byte buffer with the format's integer encodings (§5.2.2 LEB128). */
export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer>;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  /** Make room for n more bytes (callers check first, so the common case is one comparison). */
  private grow(n: number): void {
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  private room(n: number): void {
    if (this.length + n > this.buf.length) this.grow(n);
  }

  /** Overwrite the byte at `at` (already written). */
  patch(at: number, b: number): void {
    if (!(at >= 0 && at < this.length))
      throw new RangeError(`wasm encoder: patch at ${at} of ${this.length}`);
    this.buf[at] = b;
  }

  u8(b: number): void {
    if (this.length >= this.buf.length) this.grow(1);
    this.buf[this.length++] = b;
  }

  /** Unsigned LEB128 of a value in [0, 2^32). */
  u32(n: number): void {
    if (!(n >= 0 && n <= 0xffff_ffff && Number.isInteger(n)))
      throw new RangeError(`wasm encoder: ${n} is not an unsigned 32-bit integer`);
    this.room(5);
    n = n >>> 0;
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      this.buf[this.length++] = b;
    } while (n !== 0);
  }

  /** Signed LEB128 of an int32 (values outside are taken modulo 2^32). */
  s32(n: number): void {
    this.room(5);
    n |= 0;
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        this.buf[this.length++] = b;
        return;
      }
      this.buf[this.length++] = b | 0x80;
    }
  }

  /** Signed LEB128 of the 64-bit value hi:lo (two int32 words), without BigInt. */
  s64(lo: number, hi: number): void {
    this.room(10);
    lo |= 0;
    hi |= 0;
    for (;;) {
      const b = lo & 0x7f;
      // arithmetic shift of the 64-bit pair right by 7
      lo = (lo >>> 7) | (hi << 25);
      hi >>= 7;
      const rest0 = lo === 0 && hi === 0;
      const restMinus1 = lo === -1 && hi === -1;
      if ((rest0 && (b & 0x40) === 0) || (restMinus1 && (b & 0x40) !== 0)) {
        this.buf[this.length++] = b;
        return;
      }
      this.buf[this.length++] = b | 0x80;
    }
  }

  f32(x: number): void {
    FLOAT_VIEW.setFloat32(0, x, true);
    this.bytes(F32_BYTES);
  }

  f64(x: number): void {
    FLOAT_VIEW.setFloat64(0, x, true);
    this.bytes(FLOAT_BYTES);
  }

  bytes(src: Uint8Array): void {
    this.room(src.length);
    this.buf.set(src, this.length);
    this.length += src.length;
  }

  /** A name (§5.2.4): its UTF-8 length, then the bytes. */
  name(s: string): void {
    let b = NAMES.get(s);
    if (b === undefined) {
      b = UTF8.encode(s);
      NAMES.set(s, b);
    }
    this.u32(b.length);
    this.bytes(b);
  }

  /** The bytes written so far (a view; copy before writing more if kept). */
  view(): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(0, this.length);
  }

  /** Forget what was written (the buffer is kept). */
  reset(): void {
    this.length = 0;
  }
}

// ModuleBuilder.bytes()'s scratch writers, kept from one module to the next: a typed array of more
// than 64 bytes is memory outside V8's heap, and allocating the eight or so a module needed was a
// fifth of the code generator's time, and most of its garbage (the block compiler makes one module
// per region, hundreds a run).
const MODULE_OUT = new ByteWriter(4096);
const SECTION = new ByteWriter(4096);
const FUNCTION = new ByteWriter(4096);
const HEADER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00); // magic, version 1

const validValType = (t: number): boolean => t === I32 || t === I64 || t === F32 || t === F64;

/**
 * A function type's key among a module's types: a base-5 digit per value type (1-4; 0 for a bad
 * one, which type() then refuses), 0 between params and results; as a string beyond 20 values,
 * where the number would lose digits. (Strings for all cost more than the rest of a small module's
 * types.)
 */
function typeKey(params: readonly number[], results: readonly number[]): number | string {
  if (params.length + results.length > 20) return `${params.join(",")}>${results.join(",")}`;
  let key = 1;
  for (const t of params) key = key * 5 + (validValType(t) ? t - F64 + 1 : 0);
  key *= 5;
  for (const t of results) key = key * 5 + (validValType(t) ? t - F64 + 1 : 0);
  return key;
}

function checkValType(t: number, what: string): void {
  if (!validValType(t))
    throw new RangeError(`wasm encoder: ${what}: 0x${t.toString(16)} is not a value type`);
}

/** One function's locals and instructions. The closing `end` is added by ModuleBuilder.addFunction. */
export class FunctionBody {
  readonly code = new ByteWriter(1024);
  readonly paramCount: number;
  /** the types of the locals declared after the params */
  readonly locals: number[] = [];
  /** how many blocks/loops/ifs are open (0 at the function's top level) */
  depth = 0;
  /** the last local.set: where it starts and ends in the code, and its local (localGet folds it) */
  private setAt = -1;
  private setEnd = -1;
  private setLocal = -1;

  /** params: the function type's parameter types, or just their number. */
  constructor(params: number | readonly number[]) {
    this.paramCount = typeof params === "number" ? params : params.length;
  }

  /** Declare a local of `type`; its index counts the params first. */
  addLocal(type: number): number {
    checkValType(type, "addLocal");
    this.locals.push(type);
    return this.paramCount + this.locals.length - 1;
  }

  private readonly freeTemps: number[] = [];

  /**
   * A scratch local of `type` for a value that lives only while an expression is emitted: freed
   * ones are reused, so a region of many instructions declares a handful of locals, not hundreds.
   */
  tempLocal(type: number): number {
    const free = this.freeTemps;
    for (let i = free.length - 1; i >= 0; i--) {
      const index = free[i]!;
      if (this.locals[index - this.paramCount] === type) {
        free[i] = free[free.length - 1]!;
        free.pop();
        return index;
      }
    }
    return this.addLocal(type);
  }

  /** Give a tempLocal back for reuse. */
  freeTemp(index: number): void {
    this.freeTemps.push(index);
  }

  /** Any opcode without immediates (Op.*). */
  op(byte: number): this {
    this.code.u8(byte);
    return this;
  }

  /** An 0xFC-prefixed opcode without immediates (PrefixedOp.*). */
  prefixed(sub: number): this {
    this.code.u8(0xfc);
    this.code.u32(sub);
    return this;
  }

  // ---- constants (§5.4.7) ----
  i32Const(n: number): this {
    this.code.u8(0x41);
    this.code.s32(n);
    return this;
  }
  /** i64.const hi:lo; with one argument, the int32 `lo` sign-extended. */
  i64Const(lo: number, hi: number = lo >> 31): this {
    this.code.u8(0x42);
    this.code.s64(lo, hi);
    return this;
  }
  f32Const(x: number): this {
    this.code.u8(0x43);
    this.code.f32(x);
    return this;
  }
  f64Const(x: number): this {
    this.code.u8(0x44);
    this.code.f64(x);
    return this;
  }

  // ---- variables (§5.4.5) ----
  localGet(i: number): this {
    // local.set i; local.get i (nothing between: no label either) is local.tee i, 2+ bytes less
    if (this.code.length === this.setEnd && i === this.setLocal) {
      this.code.patch(this.setAt, 0x22);
      this.setEnd = -1;
      return this;
    }
    this.code.u8(0x20);
    this.code.u32(i);
    return this;
  }
  localSet(i: number): this {
    this.setAt = this.code.length;
    this.code.u8(0x21);
    this.code.u32(i);
    this.setEnd = this.code.length;
    this.setLocal = i;
    return this;
  }
  localTee(i: number): this {
    this.code.u8(0x22);
    this.code.u32(i);
    return this;
  }
  globalGet(i: number): this {
    this.code.u8(0x23);
    this.code.u32(i);
    return this;
  }
  globalSet(i: number): this {
    this.code.u8(0x24);
    this.code.u32(i);
    return this;
  }

  // ---- control (§5.4.1) ----
  private blockType(type: number): void {
    if (type !== VOID) checkValType(type, "block type");
    this.code.u8(type);
  }
  /** block with result `type` (VOID for none) */
  block(type: number = VOID): this {
    this.code.u8(0x02);
    this.blockType(type);
    this.depth++;
    return this;
  }
  loop(type: number = VOID): this {
    this.code.u8(0x03);
    this.blockType(type);
    this.depth++;
    return this;
  }
  if_(type: number = VOID): this {
    this.code.u8(0x04);
    this.blockType(type);
    this.depth++;
    return this;
  }
  else_(): this {
    this.code.u8(0x05);
    return this;
  }
  end(): this {
    if (this.depth === 0) throw new Error("wasm encoder: end() without an open block");
    this.code.u8(0x0b);
    this.depth--;
    return this;
  }
  br(depth: number): this {
    this.code.u8(0x0c);
    this.code.u32(depth);
    return this;
  }
  brIf(depth: number): this {
    this.code.u8(0x0d);
    this.code.u32(depth);
    return this;
  }
  brTable(depths: readonly number[], dflt: number): this {
    this.code.u8(0x0e);
    this.code.u32(depths.length);
    for (const d of depths) this.code.u32(d);
    this.code.u32(dflt);
    return this;
  }
  return_(): this {
    this.code.u8(0x0f);
    return this;
  }
  call(fn: number): this {
    this.code.u8(0x10);
    this.code.u32(fn);
    return this;
  }
  callIndirect(typeIndex: number, table = 0): this {
    this.code.u8(0x11);
    this.code.u32(typeIndex);
    this.code.u32(table);
    return this;
  }
  unreachable(): this {
    this.code.u8(0x00);
    return this;
  }
  nop(): this {
    this.code.u8(0x01);
    return this;
  }
  drop(): this {
    this.code.u8(0x1a);
    return this;
  }
  select(): this {
    this.code.u8(0x1b);
    return this;
  }

  // ---- memory (§5.4.6): align is log2 of the alignment hint, natural by default ----
  private mem(opcode: number, offset: number, align: number): this {
    this.code.u8(opcode);
    this.code.u32(align);
    this.code.u32(offset);
    return this;
  }
  i32Load(offset = 0, align = 2): this {
    return this.mem(0x28, offset, align);
  }
  i64Load(offset = 0, align = 3): this {
    return this.mem(0x29, offset, align);
  }
  f32Load(offset = 0, align = 2): this {
    return this.mem(0x2a, offset, align);
  }
  f64Load(offset = 0, align = 3): this {
    return this.mem(0x2b, offset, align);
  }
  i32Load8S(offset = 0, align = 0): this {
    return this.mem(0x2c, offset, align);
  }
  i32Load8U(offset = 0, align = 0): this {
    return this.mem(0x2d, offset, align);
  }
  i32Load16S(offset = 0, align = 1): this {
    return this.mem(0x2e, offset, align);
  }
  i32Load16U(offset = 0, align = 1): this {
    return this.mem(0x2f, offset, align);
  }
  i64Load8S(offset = 0, align = 0): this {
    return this.mem(0x30, offset, align);
  }
  i64Load8U(offset = 0, align = 0): this {
    return this.mem(0x31, offset, align);
  }
  i64Load16S(offset = 0, align = 1): this {
    return this.mem(0x32, offset, align);
  }
  i64Load16U(offset = 0, align = 1): this {
    return this.mem(0x33, offset, align);
  }
  i64Load32S(offset = 0, align = 2): this {
    return this.mem(0x34, offset, align);
  }
  i64Load32U(offset = 0, align = 2): this {
    return this.mem(0x35, offset, align);
  }
  i32Store(offset = 0, align = 2): this {
    return this.mem(0x36, offset, align);
  }
  i64Store(offset = 0, align = 3): this {
    return this.mem(0x37, offset, align);
  }
  f32Store(offset = 0, align = 2): this {
    return this.mem(0x38, offset, align);
  }
  f64Store(offset = 0, align = 3): this {
    return this.mem(0x39, offset, align);
  }
  i32Store8(offset = 0, align = 0): this {
    return this.mem(0x3a, offset, align);
  }
  i32Store16(offset = 0, align = 1): this {
    return this.mem(0x3b, offset, align);
  }
  i64Store8(offset = 0, align = 0): this {
    return this.mem(0x3c, offset, align);
  }
  i64Store16(offset = 0, align = 1): this {
    return this.mem(0x3d, offset, align);
  }
  i64Store32(offset = 0, align = 2): this {
    return this.mem(0x3e, offset, align);
  }
  memorySize(): this {
    this.code.u8(0x3f);
    this.code.u8(0);
    return this;
  }
  memoryGrow(): this {
    this.code.u8(0x40);
    this.code.u8(0);
    return this;
  }
  /** memory.copy (dest, src, n) within memory 0 */
  memoryCopy(): this {
    this.code.u8(0xfc);
    this.code.u32(10);
    this.code.u8(0);
    this.code.u8(0);
    return this;
  }
  /** memory.fill (dest, byte, n) in memory 0 */
  memoryFill(): this {
    this.code.u8(0xfc);
    this.code.u32(11);
    this.code.u8(0);
    return this;
  }

  // ---- the integer operations used most, as methods (the rest: op(Op.*)) ----
  i64Add(): this {
    return this.op(Op.i64_add);
  }
  i64Sub(): this {
    return this.op(Op.i64_sub);
  }
  i64And(): this {
    return this.op(Op.i64_and);
  }
  i64Or(): this {
    return this.op(Op.i64_or);
  }
  i64Xor(): this {
    return this.op(Op.i64_xor);
  }
  i64Shl(): this {
    return this.op(Op.i64_shl);
  }
  i64ShrU(): this {
    return this.op(Op.i64_shr_u);
  }
  i64ShrS(): this {
    return this.op(Op.i64_shr_s);
  }
  i64Mul(): this {
    return this.op(Op.i64_mul);
  }
  i64Eqz(): this {
    return this.op(Op.i64_eqz);
  }
  i32Add(): this {
    return this.op(Op.i32_add);
  }
  i32Sub(): this {
    return this.op(Op.i32_sub);
  }
  i32And(): this {
    return this.op(Op.i32_and);
  }
  i32Or(): this {
    return this.op(Op.i32_or);
  }
  i32Eqz(): this {
    return this.op(Op.i32_eqz);
  }
  i32WrapI64(): this {
    return this.op(Op.i32_wrap_i64);
  }
  i64ExtendI32S(): this {
    return this.op(Op.i64_extend_i32_s);
  }
  i64ExtendI32U(): this {
    return this.op(Op.i64_extend_i32_u);
  }
}

interface Import {
  readonly module: string;
  readonly name: string;
  /** 0 function, 1 table, 2 memory, 3 global (§5.5.5) */
  readonly kind: 0 | 1 | 2 | 3;
  readonly write: (w: ByteWriter) => void;
}

interface Global {
  readonly type: number;
  readonly mutable: boolean;
  readonly init: (w: ByteWriter) => void;
}

function limits(w: ByteWriter, min: number, max: number | undefined): void {
  if (max === undefined) {
    w.u8(0x00);
    w.u32(min);
  } else {
    w.u8(0x01);
    w.u32(min);
    w.u32(max);
  }
}

/** A whole module: types, imports, functions, tables, memories, globals, exports, segments. */
export class ModuleBuilder {
  private readonly types: { params: readonly number[]; results: readonly number[] }[] = [];
  private readonly typeIndex = new Map<number | string, number>();
  private readonly imports: Import[] = [];
  private importedFunctions = 0;
  private importedTables = 0;
  private importedMemories = 0;
  private importedGlobals = 0;
  private readonly functions: { type: number; body: FunctionBody }[] = [];
  private readonly tables: { min: number; max?: number }[] = [];
  private readonly memories: { min: number; max?: number }[] = [];
  private readonly globals: Global[] = [];
  private readonly exports: { name: string; kind: 0 | 1 | 2 | 3; index: number }[] = [];
  private readonly elems: { table: number; offset: number; fns: readonly number[] }[] = [];
  private readonly datas: { offset: number; bytes: Uint8Array }[] = [];
  private readonly exportNames = new Set<string>();

  /** The index of the function type params -> results (one per distinct signature). */
  type(params: readonly number[], results: readonly number[]): number {
    const key = typeKey(params, results);
    const known = this.typeIndex.get(key);
    if (known !== undefined) return known;
    for (const t of params) checkValType(t, "type params");
    for (const t of results) checkValType(t, "type results");
    const index = this.types.length;
    this.types.push({ params: [...params], results: [...results] });
    this.typeIndex.set(key, index);
    return index;
  }

  /** The parameter types of function type `type`. */
  paramsOf(type: number): readonly number[] {
    const t = this.types[type];
    if (!t) throw new RangeError(`wasm encoder: no function type ${type}`);
    return t.params;
  }

  /** A FunctionBody for a function of type `type`. */
  body(type: number): FunctionBody {
    return new FunctionBody(this.paramsOf(type));
  }

  private noDefinitionsYet(what: string, defined: number): void {
    if (defined > 0)
      throw new Error(
        `wasm encoder: ${what} imported after one was defined (imports take the first indices)`,
      );
  }

  importFunction(module: string, name: string, type: number): number {
    this.paramsOf(type);
    this.noDefinitionsYet("function", this.functions.length);
    this.imports.push({ module, name, kind: 0, write: (w) => w.u32(type) });
    return this.importedFunctions++;
  }

  importTable(module: string, name: string, min: number, max?: number): number {
    this.noDefinitionsYet("table", this.tables.length);
    this.imports.push({
      module,
      name,
      kind: 1,
      write: (w) => {
        w.u8(FUNCREF);
        limits(w, min, max);
      },
    });
    return this.importedTables++;
  }

  importMemory(module: string, name: string, minPages: number, maxPages?: number): number {
    this.noDefinitionsYet("memory", this.memories.length);
    this.imports.push({ module, name, kind: 2, write: (w) => limits(w, minPages, maxPages) });
    return this.importedMemories++;
  }

  importGlobal(module: string, name: string, type: number, mutable: boolean): number {
    checkValType(type, "importGlobal");
    this.noDefinitionsYet("global", this.globals.length);
    this.imports.push({
      module,
      name,
      kind: 3,
      write: (w) => {
        w.u8(type);
        w.u8(mutable ? 1 : 0);
      },
    });
    return this.importedGlobals++;
  }

  /** Add a function of type `type`; returns its function index (after the imported ones). */
  addFunction(type: number, body: FunctionBody): number {
    const params = this.paramsOf(type);
    if (params.length !== body.paramCount)
      throw new Error(
        `wasm encoder: function body made for ${body.paramCount} params added with type ${type} (${params.length} params)`,
      );
    if (body.depth !== 0) throw new Error(`wasm encoder: function body has ${body.depth} unclosed block(s)`);
    this.functions.push({ type, body });
    return this.importedFunctions + this.functions.length - 1;
  }

  addTable(min: number, max?: number): number {
    this.tables.push({ min, max });
    return this.importedTables + this.tables.length - 1;
  }

  addMemory(minPages: number, maxPages?: number): number {
    this.memories.push({ min: minPages, max: maxPages });
    return this.importedMemories + this.memories.length - 1;
  }

  /** A global initialised to a constant; i64 initial values as (lo, hi). */
  addGlobal(type: number, mutable: boolean, lo = 0, hi = lo >> 31): number {
    checkValType(type, "addGlobal");
    const init = (w: ByteWriter) => {
      if (type === I32) {
        w.u8(0x41);
        w.s32(lo);
      } else if (type === I64) {
        w.u8(0x42);
        w.s64(lo, hi);
      } else if (type === F32) {
        w.u8(0x43);
        w.f32(lo);
      } else {
        w.u8(0x44);
        w.f64(lo);
      }
      w.u8(0x0b);
    };
    this.globals.push({ type, mutable, init });
    return this.importedGlobals + this.globals.length - 1;
  }

  private exportAs(name: string, kind: 0 | 1 | 2 | 3, index: number): void {
    if (this.exportNames.has(name)) throw new Error(`wasm encoder: export name "${name}" used twice`);
    this.exportNames.add(name);
    this.exports.push({ name, kind, index });
  }
  exportFunction(name: string, fn: number): void {
    this.exportAs(name, 0, fn);
  }
  exportTable(name: string, table: number): void {
    this.exportAs(name, 1, table);
  }
  exportMemory(name: string, memory: number): void {
    this.exportAs(name, 2, memory);
  }
  exportGlobal(name: string, global: number): void {
    this.exportAs(name, 3, global);
  }

  /** An active element segment: table[tableOffset + i] := fns[i] at instantiation. */
  elements(tableOffset: number, fns: readonly number[], table = 0): void {
    this.elems.push({ table, offset: tableOffset, fns: [...fns] });
  }

  /** An active data segment: memory 0 at `offset` := bytes at instantiation. */
  data(offset: number, bytes: Uint8Array): void {
    this.datas.push({ offset, bytes: bytes.slice() });
  }

  /** The module's binary. */
  bytes(): Uint8Array<ArrayBuffer> {
    const out = MODULE_OUT;
    out.reset();
    out.bytes(HEADER);
    const section = (id: number, count: number, fill: (w: ByteWriter) => void) => {
      if (count === 0) return;
      const w = SECTION;
      w.reset();
      w.u32(count);
      fill(w);
      out.u8(id);
      out.u32(w.length);
      out.bytes(w.view());
    };

    section(1, this.types.length, (w) => {
      for (const t of this.types) {
        w.u8(0x60);
        w.u32(t.params.length);
        for (const p of t.params) w.u8(p);
        w.u32(t.results.length);
        for (const r of t.results) w.u8(r);
      }
    });
    section(2, this.imports.length, (w) => {
      for (const imp of this.imports) {
        w.name(imp.module);
        w.name(imp.name);
        w.u8(imp.kind);
        imp.write(w);
      }
    });
    section(3, this.functions.length, (w) => {
      for (const f of this.functions) w.u32(f.type);
    });
    section(4, this.tables.length, (w) => {
      for (const t of this.tables) {
        w.u8(FUNCREF);
        limits(w, t.min, t.max);
      }
    });
    section(5, this.memories.length, (w) => {
      for (const m of this.memories) limits(w, m.min, m.max);
    });
    section(6, this.globals.length, (w) => {
      for (const g of this.globals) {
        w.u8(g.type);
        w.u8(g.mutable ? 1 : 0);
        g.init(w);
      }
    });
    section(7, this.exports.length, (w) => {
      for (const e of this.exports) {
        w.name(e.name);
        w.u8(e.kind);
        w.u32(e.index);
      }
    });
    section(9, this.elems.length, (w) => {
      for (const e of this.elems) {
        if (e.table === 0) {
          w.u8(0x00); // active, table 0, funcref, function indices
        } else {
          w.u8(0x02); // active, explicit table, elemkind funcref (0x00)
          w.u32(e.table);
        }
        w.u8(0x41);
        w.s32(e.offset);
        w.u8(0x0b);
        if (e.table !== 0) w.u8(0x00);
        w.u32(e.fns.length);
        for (const f of e.fns) w.u32(f);
      }
    });
    section(10, this.functions.length, (w) => {
      for (const f of this.functions) {
        const body = FUNCTION;
        body.reset();
        // locals as runs of one type (§5.5.13)
        const runs: [number, number][] = [];
        for (const t of f.body.locals) {
          const last = runs[runs.length - 1];
          if (last && last[1] === t) last[0]++;
          else runs.push([1, t]);
        }
        body.u32(runs.length);
        for (const [n, t] of runs) {
          body.u32(n);
          body.u8(t);
        }
        body.bytes(f.body.code.view());
        body.u8(0x0b);
        w.u32(body.length);
        w.bytes(body.view());
      }
    });
    section(11, this.datas.length, (w) => {
      for (const d of this.datas) {
        w.u8(0x00); // active, memory 0
        w.u8(0x41);
        w.s32(d.offset);
        w.u8(0x0b);
        w.u32(d.bytes.length);
        w.bytes(d.bytes);
      }
    });
    return out.view().slice();
  }
}
