// A bare hart on a user address space, for the block compiler's tests: machine code assembled with
// the project's encoder, run with the compiler on and off, and the state compared word for word.

import { Hart, Stop } from "../../../src/hart/hart.js";
import type { JitOptions } from "../../../src/hart/jit/hart-jit.js";
import { HartState, X_SINK } from "../../../src/hart/state.js";
import { encode, type Operands } from "../../../src/isa/encode.js";
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../../src/linux-user/address-space.js";

export const CODE = 0x10000;
export const DATA = 0x40000;
export const DATA_BYTES = 0x4000;

/** Thresholds low enough that a loop of a few dozen iterations runs compiled (and merges). */
export const EAGER: Partial<JitOptions> = {
  interpretFirst: 0,
  hot: 3,
  warm: 1,
  growAt: 8,
  growPerInsn: 0,
  maxGrows: 3,
};

export type Asm = [name: string, operands?: Operands];

/** Machine code for `lines` (objdump mnemonics, "c.*" for 16-bit forms). */
export function assemble(lines: readonly Asm[]): Uint8Array {
  const out: number[] = [];
  for (const [name, f] of lines) {
    const word = encode(name, f ?? {});
    out.push(word & 0xff, (word >>> 8) & 0xff);
    if (!name.startsWith("c.")) out.push((word >>> 16) & 0xff, (word >>> 24) & 0xff);
  }
  return Uint8Array.from(out);
}

/**
 * A line of a labelled program: "name:" defines a label; [op, operands, label] takes imm from the
 * label's offset (branches, jal); ["org", {imm}] continues at that offset (the gap is zeros).
 */
export type Line = string | [name: string, operands?: Operands, target?: string];

/** Machine code for `lines` at CODE, labels resolved; also the label offsets. */
export function program(lines: readonly Line[]): { code: Uint8Array; at: Record<string, number> } {
  const at: Record<string, number> = {};
  const size = (l: Line) => (typeof l === "string" ? 0 : l[0].startsWith("c.") ? 2 : 4);
  let pc = 0;
  for (const l of lines) {
    if (typeof l === "string") at[l.replace(/:$/, "")] = pc;
    else if (l[0] === "org") pc = l[1]!.imm!;
    else pc += size(l);
  }
  const out = new Uint8Array(pc);
  pc = 0;
  for (const l of lines) {
    if (typeof l === "string") continue;
    const [name, f, target] = l;
    if (name === "org") {
      pc = f!.imm!;
      continue;
    }
    const ops = target === undefined ? (f ?? {}) : { ...f, imm: at[target]! - pc };
    if (target !== undefined && at[target] === undefined) throw new Error(`no label ${target}`);
    out.set(assemble([[name, ops]]), pc);
    pc += size(l);
  }
  return { code: out, at };
}

export interface Machine {
  hart: Hart;
  mem: AddressSpace;
  state: HartState;
}

/**
 * A hart at CODE with `code` mapped RWX there and DATA_BYTES of data at DATA (a0 = DATA), compiling
 * with `jit` (false: interpreting only).
 */
export function machine(
  code: Uint8Array,
  jit: Partial<JitOptions> | false,
  init?: (m: Machine) => void,
): Machine {
  const mem = new AddressSpace(1 << 24);
  mem.map(
    CODE,
    Math.max(0x4000, Math.ceil(code.length / 4096) * 4096 + 4096),
    PROT_READ | PROT_WRITE | PROT_EXEC,
  );
  mem.write(CODE, code);
  mem.map(DATA, DATA_BYTES, PROT_READ | PROT_WRITE);
  const state = new HartState();
  const hart = new Hart(state, mem, { jit });
  state.pc = CODE;
  state.setX(10, DATA);
  const m = { hart, mem, state };
  init?.(m);
  return m;
}

/**
 * Everything a run can change: registers, pc, fcsr, instret, the data area, the code area. Not the
 * sink that rd = x0 writes go to (X_SINK), which holds nothing architectural.
 */
export function snapshot(
  m: Machine,
  codeBytes: number,
): { words: number[]; data: Uint8Array; code: Uint8Array } {
  return {
    words: Array.from(m.state.r).map((w, i) => (i >> 1 === X_SINK ? 0 : w)),
    data: m.mem.read(DATA, DATA_BYTES),
    code: m.mem.read(CODE, codeBytes),
  };
}

export interface Step {
  stop: number;
  retired: number;
  pc: number;
  cause: number;
  tval: number;
}

/** What the test does at an ECALL that is not exit (a7 = 93): the default returns a0 + 1. */
export type Syscall = (m: Machine, count: number) => void;

const increment: Syscall = (m) => m.state.setX(10, m.state.getX(10) + 1);

/**
 * Run until a stop other than BUDGET and ECALL (or `limit` instructions), in slices of the given
 * budgets (cycled). ECALL with a7 = 93 ends the run; others go to `syscall` and continue after it.
 */
export function runToEnd(
  m: Machine,
  budgets: readonly number[],
  syscall = increment,
  limit = 5_000_000,
): Step[] {
  const steps: Step[] = [];
  let calls = 0;
  for (let i = 0; m.hart.retired < limit; i++) {
    const stop = m.hart.run(budgets[i % budgets.length]!);
    steps.push({ stop, retired: m.hart.retired, pc: m.state.pc, cause: m.hart.cause, tval: m.hart.tval });
    if (stop === Stop.BUDGET) continue;
    if (stop !== Stop.ECALL || m.state.getX(17) === 93) break;
    syscall(m, ++calls);
    m.state.pc += 4;
  }
  return steps;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}
