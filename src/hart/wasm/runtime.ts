// What the wasm engine shares per memory: the memory its modules import, the context of the hart
// running compiled code now (for the fpu and probe imports), and a WebAssembly.Table holding every
// region's function. JavaScript enters any region through one exported function, `enter`, which
// calls the region's slot of the table with call_indirect: V8 makes one specialized JS-to-wasm
// wrapper for it (each region's own export would start on V8's generic wrapper, which costs more
// than a short region's work).
//
// `enter` is also where regions chain: a region leaving by a jump returns to it, and it calls the
// region the hart's jump cache holds for the target, without a return to JavaScript. Regions
// themselves import no table: V8 builds each instance that imports a table a dispatch table of all
// its entries, so an instance cost ~53 ns per slot (52 us with 1024 slots, 2 us without a table),
// and a program's compiles together cost the square of their count.

import { Exit, type JitContext } from "../jit/region-code.js";
import { PC } from "../state.js";
import { type FunctionBody, I32, I64, ModuleBuilder, Op } from "./encoder.js";
import {
  GEN_AT,
  JC_AT,
  JC_BYTES,
  JC_GEN,
  JC_LABEL,
  JC_SET_MASK,
  JC_SLOT,
  JC_WAYS,
  MARK_AT,
  SAMPLE_AT,
  SLOT_AT,
  STATE_AT,
} from "./layout.js";

/**
 * A region's code for a jump out for want of budget: `enter` returns it as Exit.JUMP, never
 * chained (the next region could not run either).
 */
export const OUT_OF_BUDGET = 99;

/**
 * A region's function: (area, label, left) -> (exit code, pc, budget left). The pc and the budget
 * come back as values, not through the area, which `enter` writes once when a chain ends (through
 * the area a chained jump measured about the same: 14.2 against 13.9 ns for two).
 */
export const RUN_PARAMS: readonly number[] = [I32, I32, I32];
export const RUN_RESULTS: readonly number[] = [I32, I64, I32];

export type EnterFn = (area: number, slot: number, label: number, left: number) => number;

export class WasmRuntime {
  /** set before compiled code is entered: the imports reach the running hart through it */
  cx: JitContext | undefined = undefined;
  readonly table: WebAssembly.Table;
  /** run the region in `slot` from `label`, and the regions its jumps reach through the jump cache */
  readonly enter: EnterFn;
  /** run the region in `slot` from `label` only (JitOptions.chain off) */
  readonly enterOnce: EnterFn;
  private readonly free: number[] = [];
  /**
   * Slots given back so far: a hart's jump cache may still name a released slot (or the region it
   * is given to next), so each hart starts its cache anew when this moved (hart-jit.ts). (A one-word
   * array, not a field: V8 takes a field never written since construction for a constant, and
   * threw away the run loop's optimized code, and the interpreter's, at the first release.)
   */
  readonly released = new Int32Array(1);
  private next = 0;

  constructor(readonly memory: WebAssembly.Memory) {
    this.table = new WebAssembly.Table({ element: "anyfunc", initial: 64 });
    const m = new ModuleBuilder();
    const run = m.type(RUN_PARAMS, RUN_RESULTS);
    const enter = m.type([I32, I32, I32, I32], [I32]);
    m.importMemory("e", "m", 1);
    m.importTable("e", "t", 1);
    m.exportFunction("enter", m.addFunction(enter, chainingEntry(m.body(enter), run)));
    m.exportFunction("enterOnce", m.addFunction(enter, singleEntry(m.body(enter), run)));
    const bytes = m.bytes() as Uint8Array<ArrayBuffer>;
    const imports = { e: { m: memory, t: this.table } };
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports);
    this.enter = instance.exports.enter as EnterFn;
    this.enterOnce = instance.exports.enterOnce as EnterFn;
  }

  /** what each slot holds (hart-jit.ts's Region), for the run loop to find the region that returned */
  readonly owners: unknown[] = [];

  /** A free slot of the table (a region compiled next fills it: its code knows its own slot). */
  reserve(): number {
    let slot = this.free.pop();
    if (slot === undefined) {
      slot = this.next++;
      if (slot >= this.table.length) this.table.grow(this.table.length);
    }
    return slot;
  }

  /** Slot `slot` holds `fn` (a region's exported run). */
  set(slot: number, fn: unknown): void {
    this.table.set(slot, fn as WebAssembly.ExportValue);
  }

  /**
   * The region in `slot` is gone: its instance may be collected, the slot reused. (No jump cache
   * holds it any more: every hart's run loop starts a new generation after a region is dropped.)
   */
  release(slot: number): void {
    this.table.set(slot, null as unknown as WebAssembly.ExportValue);
    this.owners[slot] = undefined;
    this.free.push(slot);
    this.released[0]!++;
  }
}

// enter's parameters and locals
const AREA = 0;
const SLOT = 1;
const LABEL = 2;
const LEFT = 3;

/**
 * After the last region: pc, the budget left and the slot of the region that returned where the run
 * loop reads them (the exit protocol, region-code.ts); then the exit code, a jump for want of budget
 * made a plain jump.
 */
function leave(f: FunctionBody, code: number, pc: number, mark: number): void {
  f.localGet(AREA)
    .localGet(pc)
    .i64Store(STATE_AT + 4 * PC);
  f.localGet(AREA).localGet(mark).i32Store(MARK_AT);
  f.localGet(AREA).localGet(SLOT).i32Store(SLOT_AT);
  f.i32Const(Exit.JUMP).localGet(code).localGet(code).i32Const(OUT_OF_BUDGET).op(Op.i32_eq).select();
}

/** Call the region in SLOT from LABEL with LEFT; its results go to new locals, returned. */
function callRegion(f: FunctionBody, run: number): { code: number; pc: number; mark: number } {
  const code = f.addLocal(I32);
  const pc = f.addLocal(I64);
  const mark = f.addLocal(I32);
  f.localGet(AREA).localGet(LABEL).localGet(LEFT).localGet(SLOT).callIndirect(run, 0);
  f.localSet(mark).localSet(pc).localSet(code);
  return { code, pc, mark };
}

/** enterOnce: one call of the region. */
function singleEntry(f: FunctionBody, run: number): FunctionBody {
  const { code, pc, mark } = callRegion(f, run);
  leave(f, code, pc, mark);
  return f;
}

/**
 * enter: the region in `slot`; while it leaves by a jump to a pc the hart's jump cache holds in its
 * current generation, the region there. The run loop filled the entry when it entered that region
 * from that pc, after every check it makes, and starts a new generation whenever anything but
 * compiled code ran. One in CHAIN_SAMPLE chained jumps (hart-jit.ts) is left to the run loop, which
 * counts it.
 */
function chainingEntry(f: FunctionBody, run: number): FunctionBody {
  const lo = f.addLocal(I32);
  const ent = f.addLocal(I32);
  const sample = f.addLocal(I32);
  f.loop();
  const { code, pc, mark } = callRegion(f, run);
  f.localGet(code).i32Eqz().if_(); // Exit.JUMP
  // pc's set: area + JC_AT + jcSet(pc low word) * JC_WAYS * JC_BYTES, with the shift by k = log2
  // (JC_WAYS * JC_BYTES) taken into jcSet's shifts: ((x >>> 1) ^ (x >>> 12)) & mask) << k is
  // ((x << (k - 1)) ^ (x >>> (12 - k))) & (mask << k) (the mask drops the low k bits)
  const k = Math.log2(JC_WAYS * JC_BYTES);
  f.localGet(pc)
    .i32WrapI64()
    .localTee(lo)
    .i32Const(k - 1)
    .op(Op.i32_shl);
  f.localGet(lo)
    .i32Const(12 - k)
    .op(Op.i32_shr_u)
    .op(Op.i32_xor);
  f.i32Const(JC_SET_MASK << k)
    .i32And()
    .localGet(AREA)
    .i32Add()
    .localSet(ent);
  const matches = () => {
    f.localGet(ent).i64Load(JC_AT).localGet(pc).op(Op.i64_eq);
    f.localGet(ent)
      .i32Load16U(JC_AT + JC_GEN)
      .localGet(AREA)
      .i32Load(GEN_AT)
      .op(Op.i32_eq)
      .i32And();
  };
  f.block(); // ent is pc's entry, of this generation
  for (let way = 0; way < JC_WAYS; way++) {
    if (way > 0) f.localGet(ent).i32Const(JC_BYTES).i32Add().localSet(ent);
    matches();
    f.brIf(0);
  }
  f.br(1); // a miss: back to the run loop
  f.end();
  // a sample of the chained jumps goes through the run loop, which merges regions that jump into
  // each other often (without it, chained regions would never grow)
  f.localGet(AREA)
    .localGet(AREA)
    .i32Load(SAMPLE_AT)
    .i32Const(1)
    .i32Sub()
    .localTee(sample)
    .i32Store(SAMPLE_AT);
  f.localGet(sample).i32Const(0).op(Op.i32_gt_s).if_();
  f.localGet(ent)
    .i32Load(JC_AT + JC_SLOT)
    .localSet(SLOT);
  f.localGet(ent)
    .i32Load16U(JC_AT + JC_LABEL)
    .localSet(LABEL);
  f.localGet(mark).localSet(LEFT);
  f.br(2); // the loop
  f.end();
  f.end();
  f.end(); // loop
  leave(f, code, pc, mark);
  return f;
}
