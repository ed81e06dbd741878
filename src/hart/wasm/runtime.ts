// What the wasm engine shares per memory: the memory its modules import, the context of the hart
// running compiled code now (for the fpu and probe imports), and a WebAssembly.Table holding every
// region's function. JavaScript enters any region through one exported function, `enter`, which
// calls the region's slot of the table with call_indirect: V8 makes one specialized JS-to-wasm
// wrapper for it (each region's own export would start on V8's generic wrapper, which costs more
// than a short region's work), and region code can be reached from wasm through the same table.

import type { JitContext } from "../jit/region-code.js";
import { I32, ModuleBuilder } from "./encoder.js";

export type EnterFn = (area: number, slot: number, label: number, left: number) => number;

export class WasmRuntime {
  /** set before compiled code is entered: the imports reach the running hart through it */
  cx: JitContext | undefined = undefined;
  readonly table: WebAssembly.Table;
  readonly enter: EnterFn;
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
    const run = m.type([I32, I32, I32], [I32]);
    const enter = m.type([I32, I32, I32, I32], [I32]);
    m.importTable("e", "t", 1);
    const f = m.body(enter);
    f.localGet(0).localGet(2).localGet(3).localGet(1).callIndirect(run, 0);
    m.exportFunction("enter", m.addFunction(enter, f));
    const bytes = m.bytes() as Uint8Array<ArrayBuffer>;
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { t: this.table } });
    this.enter = instance.exports.enter as EnterFn;
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
