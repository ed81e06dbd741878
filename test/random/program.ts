// A complete random test program: prologue, random body, epilogue, as a static ELF file.
//
// Memory (one RWX segment at BASE, contents from BASE + CONTENT_OFFSET):
//   code      prologue, body, loop tail, epilogue
//   S - 512   initial f0..f31 (256 bytes), then initial x1..x31 (248 bytes); S is page-aligned
//   S         scratch: 1024 bytes of random data and special FP values, the only memory the body
//             touches (x8 = S, sp = S + 512)
//   S + 1024  x1..x31, then f0..f31 (raw bits), then fcsr, stored by the epilogue
//   S + 1536  the loop's count of passes left, and the slot where the loop keeps t6
// The body runs `runs` times: a loop tail after it counts the passes in memory and jumps back to
// the body's first instruction with every register as the pass left it (t6 saved and restored
// around the count), frm put back to its initial mode (the generator tracked frm from that mode,
// and a csrrsi on frm is only valid from the mode it tracked). Each unit consumes the reservation
// its LR took, so none is held at the tail's stores. Repeating the stream is what makes a JIT
// compile it: the test then compares compiled code, not only the interpreter, with qemu.
// The epilogue writes S .. S + 1536 (scratch, registers, fcsr) to stdout with the write system
// call (a7 = 64) and exits with status 0 (a7 = 93): that dump is what the two runs compare.

import { encode, type Operands } from "../../src/isa/encode.js";
import { CONTENT_OFFSET, writeElf } from "./elf-writer.js";
import { Generator, type Insn, SCRATCH_BYTES, SP_OFFSET, type Unit, X_SCRATCH, X_SP } from "./generator.js";
import { Prng } from "./prng.js";

export const BASE = 0x10000;
export const CODE_START = BASE + CONTENT_OFFSET;
const INIT_BYTES = 512;
const PAGE = 4096;
/** scratch, x1..x31, f0..f31, fcsr */
export const DUMP_BYTES = SCRATCH_BYTES + 31 * 8 + 32 * 8 + 8;
export const DUMP_X = SCRATCH_BYTES;
export const DUMP_F = DUMP_X + 31 * 8;
export const DUMP_FCSR = DUMP_F + 32 * 8;
/** the loop's count of passes left, and its save slot for t6 (offsets from S, outside the dump) */
const LOOP_COUNT = DUMP_BYTES;
const LOOP_SAVE = DUMP_BYTES + 8;
const LOOP_BYTES = 16;
const X_T6 = 31;
/** passes over the body by default (the random test and rerun.js) */
export const DEFAULT_RUNS = 8;

/** One instruction of the finished program, for listings. */
export interface Placed extends Insn {
  addr: number;
  /** index of the body unit it belongs to; -1 prologue, -2 epilogue, -3 the loop tail */
  unit: number;
}

export interface Program {
  seed: number;
  /** scratch base S */
  scratch: number;
  units: Unit[];
  placed: Placed[];
  elf: Uint8Array;
  /** initial register values, as loaded by the prologue */
  initX: bigint[];
  initF: bigint[];
  /** instructions in the body */
  bodyLength: number;
  /** what it was built with (to rebuild it) */
  options: ProgramOptions;
}

// Special values (Unprivileged ISA, "Single-Precision Floating-Point" and NaN-boxing)
const F32_SPECIAL = [
  0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff,
  0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0xffc12345, 0x7fa00000, 0x3eaaaaab, 0x4b800001, 0x4f000000,
  0xcf000000, 0x5f000000,
];
const F64_SPECIAL = [
  0x0000000000000000n,
  0x8000000000000000n,
  0x3ff0000000000000n,
  0xbff0000000000000n,
  0x0000000000000001n,
  0x800fffffffffffffn,
  0x0010000000000000n,
  0x7fefffffffffffffn,
  0xffefffffffffffffn,
  0x7ff0000000000000n,
  0xfff0000000000000n,
  0x7ff8000000000000n,
  0x7ff0000000000001n,
  0xfff8000000012345n,
  0x7ff4000000000000n,
  0x3fd5555555555555n,
  0x41e0000000000000n,
  0xc1e0000000000000n,
  0x43e0000000000000n,
  0x43f0000000000000n,
];
const X_SPECIAL = [
  0n,
  1n,
  0xffffffffffffffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffff80000000n,
  0xffffffffn,
  0x100000000n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0x1fn,
  0x3fn,
  0x40n,
];

function randomX(rng: Prng): bigint {
  switch (rng.below(5)) {
    case 0:
      return rng.pick(X_SPECIAL);
    case 1:
      return BigInt(rng.range(-2048, 2047)) & 0xffffffffffffffffn;
    case 2:
      return rng.chance(0.5) ? boxed(rng.pick(F32_SPECIAL)) : rng.pick(F64_SPECIAL);
    default:
      return rng.u64();
  }
}

const boxed = (f32: number): bigint => 0xffffffff00000000n | BigInt(f32 >>> 0);

function randomF(rng: Prng): bigint {
  switch (rng.below(6)) {
    case 0:
    case 1:
      return boxed(rng.pick(F32_SPECIAL));
    case 2:
    case 3:
      return rng.pick(F64_SPECIAL);
    case 4:
      return boxed(rng.u32()); // an ordinary single
    default:
      return rng.u64(); // usually not NaN-boxed: a canonical NaN to single-precision operations
  }
}

export interface ProgramOptions {
  /** instructions in the body (at least) */
  length: number;
  /** keep only the first `units` units of the body (bisecting) */
  units?: number;
  /** times the body runs, each pass continuing from the state the last left (default 1) */
  runs?: number;
}

export function buildProgram(seed: number, opts: ProgramOptions): Program {
  const rng = new Prng(seed);
  const initX = Array.from({ length: 32 }, () => randomX(rng));
  initX[0] = 0n;
  const initF = Array.from({ length: 32 }, () => randomF(rng));
  const initFrm = rng.below(5);
  const initFflags = rng.below(32);
  const scratchInit = new Uint8Array(SCRATCH_BYTES);
  for (let i = 0; i < SCRATCH_BYTES; i += 4) new DataView(scratchInit.buffer).setUint32(i, rng.u32(), true);
  // sprinkle special FP values into the scratch area for flw/fld
  const sv = new DataView(scratchInit.buffer);
  for (let k = 0; k < 24; k++) {
    const off = rng.below(SCRATCH_BYTES / 8) * 8;
    if (rng.chance(0.5)) sv.setBigUint64(off, rng.pick(F64_SPECIAL), true);
    else sv.setUint32(off + 4 * rng.below(2), rng.pick(F32_SPECIAL) >>> 0, true);
  }

  const gen = new Generator(rng, initFrm);
  const allUnits = gen.body(opts.length);
  const units = opts.units === undefined ? allUnits : allUnits.slice(0, opts.units);

  const body = units.flatMap((u, idx) => u.insns.map((i) => ({ ...i, unit: idx })));
  const bodyBytes = body.reduce((a, i) => a + i.len, 0);
  // prologue: lui+addi, 32 fld, 30 ld, 2 csrrwi; loop tail: 9; epilogue: 31 sd, csrrs+sd, 32 fsd,
  // 8 for the calls
  const prologueBytes = (2 + 32 + 30 + 2) * 4;
  const tailBytes = 9 * 4;
  const epilogueBytes = (31 + 2 + 32 + 8) * 4;
  const codeBytes = prologueBytes + bodyBytes + tailBytes + epilogueBytes;
  const runs = opts.runs ?? 1;
  if (!Number.isSafeInteger(runs) || runs < 1)
    throw new Error(`program: runs must be a positive integer (got ${runs})`);
  // S starts a page of its own: the body's stores then go to a page holding no code, as a real
  // program's data does (a store to a page of decoded code leaves compiled code, to be checked)
  const scratchOffset = align(CODE_START + align(codeBytes, 16) + INIT_BYTES, PAGE) - CODE_START;
  const scratch = CODE_START + scratchOffset;
  initX[X_SCRATCH] = BigInt(scratch);
  initX[X_SP] = BigInt(scratch + SP_OFFSET);

  const ins = (name: string, fields: Operands): Insn => ({
    name,
    fields,
    raw: encode(name, fields),
    len: name.startsWith("c.") ? 2 : 4,
  });
  const hi = (scratch + 0x800) & ~0xfff;
  const prologue: Insn[] = [
    ins("lui", { rd: X_SCRATCH, imm: hi | 0 }),
    ins("addi", { rd: X_SCRATCH, rs1: X_SCRATCH, imm: scratch - hi }),
  ];
  for (let i = 0; i < 32; i++) prologue.push(ins("fld", { rd: i, rs1: X_SCRATCH, imm: -INIT_BYTES + 8 * i }));
  for (let i = 1; i < 32; i++) {
    if (i === X_SCRATCH) continue;
    prologue.push(ins("ld", { rd: i, rs1: X_SCRATCH, imm: -INIT_BYTES + 256 + 8 * (i - 1) }));
  }
  prologue.push(ins("csrrwi", { rd: 0, csr: 3, rs1: initFflags })); // fcsr = fflags, frm = 0
  prologue.push(ins("csrrwi", { rd: 0, csr: 2, rs1: initFrm }));

  // the loop tail: one pass fewer left; back to the body's start (t6 and frm as it began) or on
  const T6 = X_T6;
  const tail: Insn[] = [
    ins("sd", { rs1: X_SCRATCH, rs2: T6, imm: LOOP_SAVE }),
    ins("ld", { rd: T6, rs1: X_SCRATCH, imm: LOOP_COUNT }),
    ins("addi", { rd: T6, rs1: T6, imm: -1 }),
    ins("sd", { rs1: X_SCRATCH, rs2: T6, imm: LOOP_COUNT }),
    ins("beq", { rs1: T6, rs2: 0, imm: 16 }), // last pass done: to the ld after the jal
    ins("ld", { rd: T6, rs1: X_SCRATCH, imm: LOOP_SAVE }),
    ins("csrrwi", { rd: 0, csr: 2, rs1: initFrm }),
    ins("jal", { rd: 0, imm: -(bodyBytes + 7 * 4) }),
    ins("ld", { rd: T6, rs1: X_SCRATCH, imm: LOOP_SAVE }),
  ];
  if (tail.length * 4 !== tailBytes) throw new Error("program: loop tail size mismatch");

  const epilogue: Insn[] = [];
  for (let i = 1; i < 32; i++)
    epilogue.push(ins("sd", { rs1: X_SCRATCH, rs2: i, imm: DUMP_X + 8 * (i - 1) }));
  epilogue.push(ins("csrrs", { rd: 1, csr: 3, rs1: 0 }));
  epilogue.push(ins("sd", { rs1: X_SCRATCH, rs2: 1, imm: DUMP_FCSR }));
  for (let i = 0; i < 32; i++) epilogue.push(ins("fsd", { rs1: X_SCRATCH, rs2: i, imm: DUMP_F + 8 * i }));
  const A0 = 10;
  const A1 = 11;
  const A2 = 12;
  const A7 = 17;
  epilogue.push(
    ins("addi", { rd: A0, rs1: 0, imm: 1 }),
    ins("addi", { rd: A1, rs1: X_SCRATCH, imm: 0 }),
    ins("addi", { rd: A2, rs1: 0, imm: DUMP_BYTES }),
    ins("addi", { rd: A7, rs1: 0, imm: 64 }), // write(1, S, DUMP_BYTES)
    ins("ecall", {}),
    ins("addi", { rd: A0, rs1: 0, imm: 0 }),
    ins("addi", { rd: A7, rs1: 0, imm: 93 }), // exit(0)
    ins("ecall", {}),
  );

  const placed: Placed[] = [];
  let pc = CODE_START;
  const place = (list: Insn[], unitOf: (k: number) => number) => {
    list.forEach((i, k) => {
      placed.push({ ...i, addr: pc, unit: unitOf(k) });
      pc += i.len;
    });
  };
  place(prologue, () => -1);
  place(body, (k) => body[k]!.unit);
  place(tail, () => -3);
  place(epilogue, () => -2);
  if (pc - CODE_START !== codeBytes) throw new Error("program: code size mismatch");

  const content = new Uint8Array(scratchOffset + DUMP_BYTES + LOOP_BYTES);
  const v = new DataView(content.buffer);
  v.setBigUint64(scratchOffset + LOOP_COUNT, BigInt(runs), true);
  for (const p of placed) {
    const off = p.addr - CODE_START;
    if (p.len === 2) v.setUint16(off, p.raw, true);
    else v.setUint32(off, p.raw >>> 0, true);
  }
  const init = scratchOffset - INIT_BYTES;
  for (let i = 0; i < 32; i++) v.setBigUint64(init + 8 * i, initF[i]!, true);
  for (let i = 1; i < 32; i++) v.setBigUint64(init + 256 + 8 * (i - 1), initX[i]!, true);
  content.set(scratchInit, scratchOffset);

  return {
    seed,
    scratch,
    units,
    placed,
    elf: writeElf({ base: BASE, entry: CODE_START, content }),
    initX,
    initF,
    bodyLength: body.length,
    options: { ...opts, runs },
  };
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}
