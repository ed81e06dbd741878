// A bare-metal board for the privileged architecture's tests: RAM at 0x8000_0000 on a bus, the
// sifive_test finisher, a hart over PhysicalMemory reset into M-mode at the start of RAM, and an
// assembler for labelled RV64 programs placed there (the project's encoder). `runSystem` is the full
// system's environment in miniature: every trap stop is taken with Hart.takeTrap, as the machine's
// full-system environment does, and each is logged.

import { Hart } from "../../../src/hart/hart.js";
import type { JitOptions } from "../../../src/hart/jit/hart-jit.js";
import { HartState } from "../../../src/hart/state.js";
import { Stop } from "../../../src/hart/stop.js";
import type { Operands } from "../../../src/isa/encode.js";
import { Bus } from "../../../src/machine/bus.js";
import {
  type Finish,
  SIFIVE_TEST_BASE,
  SIFIVE_TEST_SIZE,
  SifiveTest,
} from "../../../src/machine/devices/sifive-test.js";
import { PhysicalMemory } from "../../../src/machine/physical-memory.js";
import { a0, a1, a7, t0, t1, t5, t6 } from "../abi-registers.js";
import { assemble } from "../jit/machine.js";

export const RAM = 0x8000_0000;
export const RAM_SIZE = 0x40_0000;
/** where programs keep their logs and data (a0 points here at reset) */
export const DATA = RAM + 0x10_0000;

export const ENGINES: [string, Partial<JitOptions> | false][] = [
  ["interpreter", false],
  ["block compiler", { interpretFirst: 0, hot: 3, warm: 1 }],
];

/** Sv39 page-table entry bits (privileged spec, "Sv39: Page-Based 39-bit Virtual-Memory System") */
export const PTE = { V: 1n, R: 2n, W: 4n, X: 8n, U: 16n, A: 64n, D: 128n } as const;
/** A leaf or pointer entry for the frame at physical address pa. */
export const pte = (pa: number, flags: bigint): bigint => (BigInt(pa / 4096) << 10n) | flags;

// registers by ABI name
export * from "../abi-registers.js";

/** CSR numbers */
export const CSR = {
  sstatus: 0x100,
  sie: 0x104,
  stvec: 0x105,
  scounteren: 0x106,
  sscratch: 0x140,
  sepc: 0x141,
  scause: 0x142,
  stval: 0x143,
  sip: 0x144,
  stimecmp: 0x14d,
  satp: 0x180,
  mstatus: 0x300,
  misa: 0x301,
  medeleg: 0x302,
  mideleg: 0x303,
  mie: 0x304,
  mtvec: 0x305,
  mcounteren: 0x306,
  menvcfg: 0x30a,
  mscratch: 0x340,
  mepc: 0x341,
  mcause: 0x342,
  mtval: 0x343,
  mip: 0x344,
  pmpcfg0: 0x3a0,
  pmpaddr0: 0x3b0,
  mcycle: 0xb00,
  minstret: 0xb02,
  cycle: 0xc00,
  time: 0xc01,
  instret: 0xc02,
  mhartid: 0xf14,
  fflags: 0x001,
  frm: 0x002,
} as const;

/**
 * A line: "name:" a label; [op, operands] an instruction; [op, operands, label] one whose imm is the
 * label's offset from it (branches, jal); { la } the label's address (4 instructions); { li } a
 * 64-bit constant; { align } pad with zeros to a multiple.
 */
export type Line =
  | string
  | [name: string, operands?: Operands, target?: string]
  | { la: number; label: string }
  | { li: number; value: bigint | number }
  | { align: number };

/** rd := value, any 64-bit value (lui/addiw, then shifts and adds for the rest). */
function liLines(rd: number, value: bigint): [string, Operands][] {
  const v = BigInt.asIntN(64, value);
  if (v >= -(1n << 31n) && v < 1n << 31n) {
    const n = Number(v);
    const low = (n << 20) >> 20;
    const high = (n - low) | 0;
    if (high === 0) return [["addi", { rd, rs1: 0, imm: low }]];
    return [
      ["lui", { rd, imm: high }],
      ["addiw", { rd, rs1: rd, imm: low }],
    ];
  }
  const low = Number(BigInt.asIntN(12, v));
  const rest = (v - BigInt(low)) >> 12n;
  return [...liLines(rd, rest), ["slli", { rd, rs1: rd, imm: 12 }], ["addi", { rd, rs1: rd, imm: low }]];
}

/** rd := a 32-bit unsigned address, in a fixed 4 instructions (lui, addiw, then zero-extension). */
function laLines(rd: number, addr: number): [string, Operands][] {
  const low = (addr << 20) >> 20;
  return [
    ["lui", { rd, imm: (addr - low) | 0 }],
    ["addiw", { rd, rs1: rd, imm: low }],
    ["slli", { rd, rs1: rd, imm: 32 }],
    ["srli", { rd, rs1: rd, imm: 32 }],
  ];
}

/** Machine code for `lines` placed at `base`, labels resolved; also the labels' addresses. */
export function assembleAt(
  base: number,
  lines: readonly Line[],
): { code: Uint8Array; at: Record<string, number> } {
  const at: Record<string, number> = {};
  const size = (l: Line, pc: number): number => {
    if (typeof l === "string") return 0;
    if (Array.isArray(l)) return l[0].startsWith("c.") ? 2 : 4;
    if ("la" in l) return 16;
    if ("li" in l) return 4 * liLines(l.li, BigInt(l.value)).length;
    return (l.align - (pc % l.align)) % l.align;
  };
  let pc = base;
  for (const l of lines) {
    if (typeof l === "string") at[l.replace(/:$/, "")] = pc;
    pc += size(l, pc);
  }
  const out = new Uint8Array(pc - base);
  pc = base;
  const put = (insns: [string, Operands][]) => {
    const bytes = assemble(insns);
    out.set(bytes, pc - base);
    pc += bytes.length;
  };
  for (const l of lines) {
    if (typeof l === "string") continue;
    if (Array.isArray(l)) {
      const [name, f, target] = l;
      if (target !== undefined && at[target] === undefined) throw new Error(`no label ${target}`);
      put([[name, target === undefined ? (f ?? {}) : { ...f, imm: at[target]! - pc }]]);
    } else if ("la" in l) {
      if (at[l.label] === undefined) throw new Error(`no label ${l.label}`);
      put(laLines(l.la, at[l.label]!));
    } else if ("li" in l) put(liLines(l.li, BigInt(l.value)));
    else pc += size(l, pc);
  }
  return { code: out, at };
}

// ---- instruction shorthands ----

export const csrr = (rd: number, csr: number): Line => ["csrrs", { rd, rs1: 0, csr }];
export const csrw = (csr: number, rs1: number): Line => ["csrrw", { rd: 0, rs1, csr }];
export const csrs = (csr: number, rs1: number): Line => ["csrrs", { rd: 0, rs1, csr }];
export const csrc = (csr: number, rs1: number): Line => ["csrrc", { rd: 0, rs1, csr }];
export const li = (rd: number, value: bigint | number): Line => ({ li: rd, value });
export const la = (rd: number, label: string): Line => ({ la: rd, label });
export const sd = (rs2: number, imm: number, rs1: number): Line => ["sd", { rs1, rs2, imm }];
export const ld = (rd: number, imm: number, rs1: number): Line => ["ld", { rd, rs1, imm }];
export const j = (label: string): Line => ["jal", { rd: 0 }, label];

/** mstatus fields */
export const MSTATUS = {
  SIE: 1n << 1n,
  MIE: 1n << 3n,
  SPIE: 1n << 5n,
  MPIE: 1n << 7n,
  SPP: 1n << 8n,
  MPP_S: 1n << 11n,
  MPP_M: 3n << 11n,
  FS: 3n << 13n,
  MPRV: 1n << 17n,
  SUM: 1n << 18n,
  MXR: 1n << 19n,
  TVM: 1n << 20n,
  TW: 1n << 21n,
  TSR: 1n << 22n,
} as const;

/**
 * The end of a program: PASS to the finisher, then spin (at label `spin`). `runSystem` stops when
 * the finisher was written. Uses t5, t6.
 */
export function pass(spin = "spin"): Line[] {
  return [
    li(t6, SIFIVE_TEST_BASE),
    li(t5, 0x5555),
    ["sw", { rs1: t6, rs2: t5, imm: 0 }],
    `${spin}:`,
    j(spin),
  ];
}

export interface Board {
  bus: Bus;
  mem: PhysicalMemory;
  hart: Hart;
  state: HartState;
  finishes: Finish[];
  at: Record<string, number>;
  /** every trap runSystem took: cause, tval, epc, the mode it came from, instructions retired then */
  traps: { cause: number; tval: number; epc: number; from: number; retired: number }[];
}

/** The program at RAM, a hart reset into M-mode there (a0 = DATA), compiling with `jit`. */
export function board(lines: readonly Line[], jit: Partial<JitOptions> | false, id = 0): Board {
  const bus = new Bus({ hostBytes: RAM_SIZE + (1 << 20) });
  bus.addRam("ram", RAM, RAM_SIZE);
  const finishes: Finish[] = [];
  bus.addDevice(SIFIVE_TEST_BASE, SIFIVE_TEST_SIZE, new SifiveTest((f) => finishes.push(f)));
  const mem = new PhysicalMemory(bus);
  const { code, at } = assembleAt(RAM, lines);
  mem.write(RAM, code);
  const state = new HartState();
  const hart = new Hart(state, mem, { jit, id });
  hart.reset(RAM);
  state.setX(a0, DATA);
  return { bus, mem, hart, state, finishes, at, traps: [] };
}

export interface RunOptions {
  /** instructions per run (the runs are cut there, as a machine cuts them at events) */
  slice?: number;
  limit?: number;
  /** called after each run that ended at a WFI with nothing pending (time "passes" here) */
  onWfi?: (b: Board) => void;
  /** called after every run */
  onRun?: (b: Board) => void;
}

/**
 * Run until the finisher is written (or throw after `limit` instructions): every trap stop is taken
 * as the full system does (Hart.takeTrap), and logged in b.traps.
 */
export function runSystem(b: Board, o: RunOptions = {}): void {
  const limit = o.limit ?? 1_000_000;
  while (b.hart.retired < limit) {
    const stop = b.hart.run(o.slice ?? 1000);
    o.onRun?.(b);
    if (b.finishes.length > 0) return;
    if (stop === Stop.BUDGET) {
      if (b.hart.wfi) o.onWfi?.(b);
      continue;
    }
    if (stop === Stop.PROBE) throw new Error("hook error");
    const h = b.hart;
    b.traps.push({ cause: h.cause, tval: h.tval, epc: b.state.pc, from: h.priv, retired: h.retired });
    b.hart.takeTrap();
  }
  throw new Error(
    `no finish after ${limit} instructions (pc 0x${b.state.pc.toString(16)}, priv ${b.hart.priv})`,
  );
}

/** The 64-bit little-endian words of RAM at pa. */
export function words(b: Board, pa: number, n: number): bigint[] {
  const bytes = b.mem.read(pa, 8 * n);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: n }, (_, i) => v.getBigUint64(8 * i, true));
}

/** Write a 64-bit word into RAM at pa (page tables built by the test). */
export function poke(b: Board, pa: number, value: bigint): void {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  b.mem.write(pa, bytes);
}

export function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

/**
 * An M-mode trap handler at `label` (4-byte aligned, for mtvec): logs (mcause, mtval) at a0 and
 * advances a0; an ECALL with a7 = 93 passes the program (`pass`); other traps return past their
 * instruction (all are 4 bytes long here). Uses t0, t1.
 */
export function mHandler(label = "mhandler"): Line[] {
  return [
    { align: 4 },
    `${label}:`,
    csrr(t0, CSR.mcause),
    sd(t0, 0, a0),
    csrr(t1, CSR.mtval),
    sd(t1, 8, a0),
    ["addi", { rd: a0, rs1: a0, imm: 16 }],
    ["addi", { rd: t1, rs1: 0, imm: 8 }],
    ["blt", { rs1: t0, rs2: t1 }, `${label}_skip`],
    ["addi", { rd: t1, rs1: 0, imm: 11 }],
    ["blt", { rs1: t1, rs2: t0 }, `${label}_skip`],
    ["addi", { rd: t1, rs1: 0, imm: 93 }],
    ["beq", { rs1: a7, rs2: t1 }, `${label}_pass`],
    `${label}_skip:`,
    csrr(t0, CSR.mepc),
    ["addi", { rd: t0, rs1: t0, imm: 4 }],
    csrw(CSR.mepc, t0),
    ["mret"],
    `${label}_pass:`,
    ...pass(`${label}_spin`),
  ];
}

/**
 * An S-mode handler (for stvec): logs (scause, stval) at a1 and advances a1; an ECALL from U with
 * a7 = 93 becomes an ECALL from S with a7 = 93 (M's handler passes the program); other traps return
 * past their instruction. Uses t0, t1.
 */
export function sHandler(label = "shandler"): Line[] {
  return [
    { align: 4 },
    `${label}:`,
    csrr(t0, CSR.scause),
    sd(t0, 0, a1),
    csrr(t1, CSR.stval),
    sd(t1, 8, a1),
    ["addi", { rd: a1, rs1: a1, imm: 16 }],
    ["addi", { rd: t1, rs1: 0, imm: 8 }],
    ["bne", { rs1: t0, rs2: t1 }, `${label}_skip`],
    ["addi", { rd: t1, rs1: 0, imm: 93 }],
    ["bne", { rs1: a7, rs2: t1 }, `${label}_skip`],
    ["ecall"],
    `${label}_skip:`,
    csrr(t0, CSR.sepc),
    ["addi", { rd: t0, rs1: t0, imm: 4 }],
    csrw(CSR.sepc, t0),
    ["sret"],
  ];
}

/** M-mode code giving S and U the whole physical space through PMP entry 0 (NAPOT, RWX). */
export const PMP_ALLOW_ALL: Line[] = [
  li(t0, -1),
  csrw(CSR.pmpaddr0, t0),
  li(t0, 0x1f),
  csrw(CSR.pmpcfg0, t0),
];

/** The log entries (cause, tval) from `from` up to the log pointer in register `reg`. */
export function log(b: Board, from: number, reg: number): [bigint, bigint][] {
  const end = b.state.getX(reg);
  const n = (end - from) / 16;
  const w = words(b, from, 2 * n);
  return Array.from({ length: n }, (_, i) => [w[2 * i]!, w[2 * i + 1]!]);
}
