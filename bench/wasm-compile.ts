// What compiling guest code to WebAssembly costs, per guest instruction: modules of 1, 10 and 100
// functions of 50 instructions each (a region compiler's unit is a function), built from the
// semantics rows by lowering.ts and encoder.ts the way a region compiler emits them — registers
// loaded from and stored to a register file in wasm memory, immediates and pcs as constants,
// branches leaving the function, loads and stores through a 32-bit address. The first module is
// timed alone (the compiler's JavaScript still cold); then, after a warm-up, each phase is the
// fastest of the runs (a machine shared with other work adds pauses that are not compile cost),
// with the median of the totals beside:
//   emit      lowering + encoding to bytes (JavaScript)
//   module    new WebAssembly.Module (V8: validation; with lazy compilation, on by default in
//             Node 20, functions are compiled by Liftoff when first called)
//   instance  new WebAssembly.Instance
//   first run calling every function once (the lazy Liftoff compilation happens here)
//
//   node dist/bench/wasm-compile.js [--runs N]

import { add, type Expr, IMM, type Leaf, RS1 } from "../src/hart/ir.js";
import { SEMANTICS } from "../src/hart/semantics.js";
import { type FunctionBody, I32, ModuleBuilder, Op } from "../src/hart/wasm/encoder.js";
import {
  type ConstOf,
  lowerCondition,
  lowerExpr,
  lowerLow32,
  type PushLeaf,
} from "../src/hart/wasm/lowering.js";
import { Prng } from "../src/machine/prng.js";

const INSNS_PER_FUNCTION = 50;
/** a typical integer mix: the frequent rows several times over */
const MIX = [
  ..."addi addi addi addi add add ld ld ld sd sd lw sw beq bne bne blt bgeu lui auipc slli srli".split(" "),
  ..."andi or xor sub addw addiw slliw sraiw mul divu remu mulhu sltu and lbu sb jalr sext.b".split(" "),
];
/** where the guest's memory begins in wasm memory (the register file sits below) */
const RAM_AT = 4096;

const argRuns = process.argv.indexOf("--runs");
const RUNS = argRuns > 0 ? Number(process.argv[argRuns + 1]) : 15;

function emitFunction(b: FunctionBody, prng: Prng, pc0: number): void {
  const base = 0; // param 0: the register file's address
  const rand = (n: number) => (prng.nextU32() >>> 0) % n;
  for (let i = 0; i < INSNS_PER_FUNCTION; i++) {
    const name = MIX[rand(MIX.length)]!;
    const sem = SEMANTICS[name]!;
    const rd = 1 + rand(31);
    const rs1 = rand(32);
    const rs2 = rand(32);
    const imm = sem.kind === "load" || sem.kind === "store" ? rand(256) * 8 : (prng.nextU32() << 20) >> 20;
    const pc = pc0 + 4 * i;
    // immediates and pcs are constants to a region compiler, and so is x0
    const zeroOf: ConstOf = (l) =>
      l === "imm"
        ? [imm, imm >> 31]
        : l === "pc"
          ? [pc, 0]
          : l === "next"
            ? [pc + 4, 0]
            : (l === "rs1" && rs1 === 0) || (l === "rs2" && rs2 === 0)
              ? [0, 0]
              : undefined;
    const leaf: PushLeaf = (l: Leaf, f) => {
      const r = l === "rs1" ? rs1 : rs2;
      f.localGet(base).i64Load(8 * r);
    };
    const writeRd = (e: Expr) => {
      b.localGet(base);
      lowerExpr(e, b, leaf, zeroOf);
      b.i64Store(8 * rd);
    };
    switch (sem.kind) {
      case "write":
        writeRd(sem.value);
        break;
      case "jump":
        writeRd(sem.target);
        break;
      case "branch":
        lowerCondition(sem.cond, b, leaf, zeroOf);
        b.if_().i32Const(pc).return_().end();
        break;
      case "load": {
        b.localGet(base);
        lowerLow32(add(RS1, IMM), b, leaf, zeroOf);
        b.i32Const(0x3ff8).op(Op.i32_and); // stay inside the bench's RAM;
        b.i64Load(RAM_AT);
        b.i64Store(8 * rd);
        break;
      }
      case "store": {
        lowerLow32(add(RS1, IMM), b, leaf, zeroOf);
        b.i32Const(0x3ff8).op(Op.i32_and);
        b.localGet(base).i64Load(8 * rs2);
        b.i64Store(RAM_AT);
        break;
      }
      default:
        throw new Error(`bench mix: ${name} is not lowered here`);
    }
  }
  b.i32Const(pc0 + 4 * INSNS_PER_FUNCTION);
}

function emitModule(functions: number, seed: number): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory("e", "m", 1);
  const t = m.type([I32], [I32]);
  const prng = new Prng(seed);
  for (let i = 0; i < functions; i++) {
    const b = m.body(t);
    emitFunction(b, prng, 0x10000 + i * 4 * INSNS_PER_FUNCTION);
    m.exportFunction(`r${i}`, m.addFunction(t, b));
  }
  return m.bytes();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const now = () => performance.now();

console.log(
  `wasm compile cost per guest instruction (${INSNS_PER_FUNCTION} instructions a function, fastest of ${RUNS} runs)`,
);
const memory = new WebAssembly.Memory({ initial: 1 });
{
  // the first module, with the compiler's JavaScript still cold (what the first region costs), then
  // warm-up: 10 000 instructions, so every row below measures optimised JavaScript
  const t0 = now();
  const bytes = emitModule(1, 1000);
  const cold = now() - t0;
  for (let i = 0; i < 2; i++) emitModule(100, 1001 + i);
  const t1 = now();
  const mod = new WebAssembly.Module(bytes);
  new WebAssembly.Instance(mod, { e: { m: memory } });
  console.log(
    `first module of the process (cold JavaScript): emit ${((cold * 1000) / INSNS_PER_FUNCTION).toFixed(1)} µs/insn, module+instance ${(((now() - t1) * 1000) / INSNS_PER_FUNCTION).toFixed(1)} µs/insn`,
  );
}
console.log("functions  bytes/insn  µs/insn: emit    module  instance  first-run     total  (median total)");
for (const functions of [1, 10, 100]) {
  const phases: number[][] = [[], [], [], []];
  let size = 0;
  for (let run = -3; run < RUNS; run++) {
    const t0 = now();
    const bytes = emitModule(functions, run + 1);
    const t1 = now();
    const mod = new WebAssembly.Module(bytes);
    const t2 = now();
    const inst = new WebAssembly.Instance(mod, { e: { m: memory } });
    const t3 = now();
    for (let i = 0; i < functions; i++) (inst.exports[`r${i}`] as (base: number) => number)(0);
    const t4 = now();
    size = bytes.length;
    if (run < 0) continue;
    phases[0]!.push(t1 - t0);
    phases[1]!.push(t2 - t1);
    phases[2]!.push(t3 - t2);
    phases[3]!.push(t4 - t3);
  }
  const insns = functions * INSNS_PER_FUNCTION;
  const per = phases.map((p) => (Math.min(...p) * 1000) / insns);
  const totals = phases[0]!.map((_, i) => phases.reduce((sum, p) => sum + p[i]!, 0));
  const cell = (x: number, w: number) => x.toFixed(2).padStart(w);
  console.log(
    `${String(functions).padStart(9)}  ${(size / insns).toFixed(1).padStart(10)}  ${cell(per[0]!, 12)}  ${cell(per[1]!, 8)}  ${cell(per[2]!, 8)}  ${cell(per[3]!, 9)}  ${cell(
      per.reduce((a, b) => a + b, 0),
      8,
    )}  ${cell((median(totals) * 1000) / insns, 14)}`,
  );
}
