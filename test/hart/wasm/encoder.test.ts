// The WebAssembly encoder: modules it writes validate and compute what their instructions say —
// constants across the LEB128 size boundaries, and a module that uses imports, a table, a memory,
// globals and element and data segments.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ByteWriter,
  F64,
  type FunctionBody,
  I32,
  I64,
  ModuleBuilder,
  Op,
  PrefixedOp,
} from "../../../src/hart/wasm/encoder.js";

/** Instantiate a module whose only export `f` takes nothing and returns `result`. */
function constantOf(emit: (b: FunctionBody) => void, result = I64): unknown {
  const m = new ModuleBuilder();
  const t = m.type([], [result]);
  const b = m.body(t);
  emit(b);
  m.exportFunction("f", m.addFunction(t, b));
  const bytes = m.bytes();
  assert.ok(WebAssembly.validate(bytes), "module validates");
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes));
  return (inst.exports.f as () => unknown)();
}

const words = (v: bigint): [number, number] => [
  Number(BigInt.asIntN(32, v)),
  Number(BigInt.asIntN(32, v >> 32n)),
];

test("i64 constants from int32 pairs, across every LEB128 length", () => {
  const values: bigint[] = [
    0n,
    1n,
    -1n,
    63n,
    64n,
    -64n,
    -65n,
    127n,
    128n,
    -128n,
    -129n,
    8191n,
    8192n,
    -8192n,
    -8193n,
  ];
  for (let bit = 0n; bit < 64n; bit++)
    values.push(1n << bit, (1n << bit) - 1n, -(1n << bit), -(1n << bit) - 1n);
  values.push(0x7fff_ffffn, -0x8000_0000n, 0xffff_ffffn, 0x8000_0000n, 0x1_0000_0000n);
  values.push((1n << 63n) - 1n, -(1n << 63n), 0x0123_4567_89ab_cdefn, -0x0123_4567_89ab_cdefn);
  for (const v0 of values) {
    const v = BigInt.asIntN(64, v0);
    const [lo, hi] = words(v);
    assert.equal(
      constantOf((b) => b.i64Const(lo, hi)),
      v,
      `i64.const ${v}`,
    );
    if (v === BigInt(lo))
      assert.equal(
        constantOf((b) => b.i64Const(lo)),
        v,
        `i64.const ${v} (one word)`,
      );
  }
});

test("i32 constants at the int32 extremes and LEB128 boundaries", () => {
  for (const v of [
    0,
    1,
    -1,
    63,
    64,
    -64,
    -65,
    8191,
    8192,
    -8193,
    2 ** 20,
    -(2 ** 20),
    0x7fff_ffff,
    -0x8000_0000,
  ])
    assert.equal(
      constantOf((b) => b.i32Const(v), I32),
      v,
      `i32.const ${v}`,
    );
});

test("signed LEB128 bytes are the shortest encoding", () => {
  const enc = (lo: number, hi: number) => {
    const w = new ByteWriter(1);
    w.s64(lo, hi);
    return [...w.view()];
  };
  assert.deepEqual(enc(0, 0), [0x00]);
  assert.deepEqual(enc(63, 0), [0x3f]);
  assert.deepEqual(enc(64, 0), [0xc0, 0x00]);
  assert.deepEqual(enc(-64, -1), [0x40]);
  assert.deepEqual(enc(-65, -1), [0xbf, 0x7f]);
  assert.equal(enc(0, -0x8000_0000).length, 10);
  const u = new ByteWriter(1);
  u.u32(0xffff_ffff);
  assert.deepEqual([...u.view()], [0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.throws(() => new ByteWriter().u32(-1), /not an unsigned 32-bit integer/);
});

test("f64 constants and conversions", () => {
  assert.equal(
    constantOf((b) => b.f64Const(1.5).f64Const(-0.25).op(Op.f64_mul), F64),
    -0.375,
  );
  assert.equal(
    constantOf((b) => b.f64Const(-0).op(Op.i64_reinterpret_f64)),
    -(2n ** 63n),
  );
});

test("a module with imports, a table, memory, globals and segments computes through all of them", () => {
  const m = new ModuleBuilder();
  const tI64 = m.type([I64], [I64]);
  const tVoid = m.type([], []);
  assert.equal(m.type([I64], [I64]), tI64, "types are deduplicated");
  const log = m.importFunction("env", "log", m.type([I64], []));
  m.importMemory("env", "mem", 1, 2);
  m.importTable("env", "table", 4);
  const counter = m.importGlobal("env", "counter", I32, true);
  const scale = m.addGlobal(I64, false, 3);

  // double(x) = x * 2, triple(x) = x * scale; both placed in the table by an element segment
  const dbl = m.body(tI64);
  dbl.localGet(0).i64Const(2).i64Mul();
  const fDouble = m.addFunction(tI64, dbl);
  const tri = m.body(tI64);
  tri.localGet(0).globalGet(scale).i64Mul();
  const fTriple = m.addFunction(tI64, tri);
  m.elements(1, [fDouble, fTriple]);

  // run(x): sum over i in 0..3 of table[1 + (i & 1)](mem64[8 * i]) + x, logging each term, counting calls
  const run = m.body(tI64);
  const i = run.addLocal(I32);
  const acc = run.addLocal(I64);
  const term = run.addLocal(I64);
  run.localGet(0).localSet(acc);
  run.block().loop();
  run.localGet(i).i32Const(4).op(Op.i32_ge_u).brIf(1);
  run.localGet(i).i32Const(3).op(Op.i32_shl).i64Load(0);
  run.localGet(i).i32Const(1).i32And().i32Const(1).i32Add();
  run.callIndirect(tI64, 0).localTee(term).call(log);
  run.localGet(acc).localGet(term).i64Add().localSet(acc);
  run.globalGet(counter).i32Const(1).i32Add().globalSet(counter);
  run.localGet(i).i32Const(1).i32Add().localSet(i).br(0);
  run.end().end();
  run.localGet(acc);
  m.exportFunction("run", m.addFunction(tI64, run));

  const data = new Uint8Array(32);
  new DataView(data.buffer).setBigInt64(0, 10n, true);
  new DataView(data.buffer).setBigInt64(8, -7n, true);
  new DataView(data.buffer).setBigInt64(16, 1n << 40n, true);
  new DataView(data.buffer).setBigInt64(24, 5n, true);
  m.data(0, data);
  const nop = m.body(tVoid);
  m.exportFunction("nop", m.addFunction(tVoid, nop));

  const bytes = m.bytes();
  assert.ok(WebAssembly.validate(bytes));
  const logged: bigint[] = [];
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  const table = new WebAssembly.Table({ initial: 4, element: "anyfunc" });
  const counterG = new WebAssembly.Global({ value: "i32", mutable: true }, 0);
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { log: (v: bigint) => logged.push(v), mem: memory, table, counter: counterG },
  });
  const result = (inst.exports.run as (x: bigint) => bigint)(100n);
  assert.deepEqual(logged, [20n, -21n, 2n << 40n, 15n]);
  assert.equal(result, 100n + 20n - 21n + (2n << 40n) + 15n);
  assert.equal(counterG.value, 4);
});

test("misuse is named: unclosed blocks, late imports, bad types, duplicate exports", () => {
  const m = new ModuleBuilder();
  const t = m.type([], []);
  const b = m.body(t);
  b.block();
  assert.throws(() => m.addFunction(t, b), /1 unclosed block/);
  b.end();
  assert.throws(() => b.end(), /without an open block/);
  const f = m.addFunction(t, b);
  assert.throws(() => m.importFunction("env", "g", t), /imported after one was defined/);
  assert.throws(() => m.type([0x12], []), /not a value type/);
  m.exportFunction("f", f);
  assert.throws(() => m.exportFunction("f", f), /used twice/);
  assert.throws(() => m.addFunction(m.type([I32], []), b), /made for 0 params/);
});

test("br_table dispatch, saturating truncation and bulk memory", () => {
  const m = new ModuleBuilder();
  m.addMemory(1);
  const t = m.type([I32], [I32]);
  // pick(i): 10, 20, 30 for i = 0, 1, 2, else 99 — three nested blocks and a br_table, as a dispatcher
  const pick = m.body(t);
  const out = pick.addLocal(I32);
  pick.block().block().block().block();
  pick.localGet(0).brTable([0, 1, 2], 3);
  pick.end().i32Const(10).localSet(out).br(2);
  pick.end().i32Const(20).localSet(out).br(1);
  pick.end().i32Const(30).localSet(out).br(0);
  pick.end();
  pick.localGet(out).i32Eqz().if_(I32).i32Const(99).else_().localGet(out).end();
  m.exportFunction("pick", m.addFunction(t, pick));
  // sat(x) = i32.trunc_sat_f64_s(x * 1e10 as f64) — clamps where plain truncation traps
  const sat = m.body(m.type([F64], [I32]));
  sat.localGet(0).f64Const(1e10).op(Op.f64_mul).prefixed(PrefixedOp.i32_trunc_sat_f64_s);
  m.exportFunction("sat", m.addFunction(m.type([F64], [I32]), sat));
  // fillCopy(): fill 16 bytes at 0 with 0xab, copy 8 of them to 100, read the word at 104
  const fc = m.body(m.type([], [I32]));
  fc.i32Const(0).i32Const(0xab).i32Const(16).memoryFill();
  fc.i32Const(100).i32Const(4).i32Const(8).memoryCopy();
  fc.i32Const(104).i32Load().i32Const(108).i32Load8U().i32Add();
  m.exportFunction("fillCopy", m.addFunction(m.type([], [I32]), fc));

  const bytes = m.bytes();
  assert.ok(WebAssembly.validate(bytes));
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  const f = ex.pick as (i: number) => number;
  assert.deepEqual([0, 1, 2, 3, 7, -1].map(f), [10, 20, 30, 99, 99, 99]);
  const s = ex.sat as (x: number) => number;
  assert.deepEqual([0.1, -1, 1e9, Number.NaN].map(s), [1e9, -2147483648, 2147483647, 0]);
  assert.equal((ex.fillCopy as () => number)(), 0xabababab | 0, "the copied word, and 0 past the copy");
});

test("local.set i then local.get i becomes local.tee i, but not across a label or another local", () => {
  const bodyBytes = (emit: (b: FunctionBody) => void): number => {
    const m = new ModuleBuilder();
    const b = m.body(m.type([], [I64]));
    emit(b);
    return b.code.length;
  };
  // folded: one local.tee (2 bytes) instead of set + get (4), and the value is still right
  const fold = (b: FunctionBody) => {
    const x = b.addLocal(I64);
    b.i64Const(20).localSet(x).localGet(x).localGet(x).op(Op.i64_add);
  };
  const kept = (b: FunctionBody) => {
    const x = b.addLocal(I64);
    const y = b.addLocal(I64);
    b.i64Const(7).localSet(y);
    b.i64Const(20).localSet(x).localGet(y).localGet(x).op(Op.i64_add);
  };
  assert.equal(bodyBytes(fold), 2 + 2 + 2 + 1);
  assert.equal(constantOf(fold), 40n);
  assert.equal(bodyBytes(kept), 2 + 2 + 2 + 2 + 2 + 2 + 1);
  assert.equal(constantOf(kept), 27n);
  // a loop header between them is a branch target: the get must stay (each pass reads x anew)
  const looped = (b: FunctionBody) => {
    const x = b.addLocal(I64);
    b.i64Const(1).localSet(x);
    b.loop();
    b.localGet(x).i64Const(1).op(Op.i64_shl).localSet(x);
    b.localGet(x).i64Const(64).op(Op.i64_lt_u).brIf(0);
    b.end();
    b.localGet(x);
  };
  assert.equal(constantOf(looped), 64n);
});
