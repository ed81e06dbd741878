// Gives a new interpreter (interpreter.ts) type feedback in every arm of its switch before real code
// runs (in two parts, RV64IM's ops and the others: hart.ts says when), by running each inline op on
// a scratch hart with representative operands: small, negative, and large (beyond V8's 31-bit small
// integers; results that overflow int32), at a low, a high and a negative pc (user programs,
// mappings above 4 GiB, a kernel's addresses).
//
// Why: V8 optimizes the interpreter once it is hot, from the feedback gathered so far. An arm never
// run has none, so when a guest first reaches an op it had not used yet, or an operand grows past
// what an arm has seen, the optimized code is thrown away ("Insufficient type feedback", "overflow")
// and the loop runs in V8's bytecode interpreter until it is optimized again (35-70 ms of compile
// each time). Cold code and the short stretches after compiled code's side exits run there: a zstd
// run deoptimized it four times.
//
// The scratch hart is a real Hart, so the feedback names the classes real runs use, except for its
// memory: the MMU's TLBs are preloaded (Mmu.preload), so no access asks the scratch memory anything
// and call sites into the memory see only real memories. (Decoding an instruction that spans two
// pages would ask it: that path of Hart.decodeInto is left without feedback, and V8's optimized
// interpreter is thrown away when a program first decodes one, as zstd does: a warm-up there gave
// the path the scratch memory's class, and the code was thrown away for the real one's.)

import { SPEC_BY_OP } from "../isa/table.js";
import { CODE_STRIDE, packEntry } from "./decoded.js";
import { DecodedPages } from "./decoded-pages.js";
import type { InterpretFn } from "./interpreter.js";
import { inlineCase } from "./interpreter.js";
import { type GuestMemory, type TlbHolder, XLATE_PAGE_FAULT } from "./memory.js";
import type { Mmu } from "./mmu.js";
import { PAGE_SIZE } from "./page.js";
import { jumpsByImmediate, type Semantics } from "./semantics.js";
import { SEMANTICS_BY_OP } from "./semantics-by-op.js";
import { type HartState, PC } from "./state.js";
import { Stop } from "./stop.js";

const TWO32 = 4294967296;

/** What the warm-up uses of the scratch hart (a real Hart, made by hart.ts). */
export interface ScratchHart {
  readonly state: HartState;
  readonly mmu: Mmu;
  readonly retired: number;
}

/** Host pages 0 and 1 hold code, 2 and 3 data; the bounce buffer follows. No page is translated. */
class ScratchMemory implements GuestMemory {
  readonly bytes = new Uint8Array(4 * PAGE_SIZE + 16);
  readonly view = new DataView(this.bytes.buffer);
  readonly bounce = 4 * PAGE_SIZE;
  generation = 0;
  readonly tlbHolders = new Set<TlbHolder>();
  readonly code = new DecodedPages(this.tlbHolders, () => this.generation++);
  /** the decoded pages of host pages 0 and 1 */
  readonly codePages = [this.code.codePage(0), this.code.codePage(PAGE_SIZE)] as const;

  translate(): number {
    return XLATE_PAGE_FAULT;
  }
}

// registers: x1 data address, x5 and x6 operands, x7 destination, x8 jalr base
const DATA = 1;
const A = 5;
const B = 6;
const RD = 7;
const JBASE = 8;

/** Operands of the fixed passes: rs1 (low, high word), rs2 (low, high), the immediate. */
const FIXED: readonly (readonly number[])[] = [
  [5, 0, 3, 0, 3],
  [-7, -1, -2, -1, -5],
  [0x89abcdef | 0, 0x12345678, 0x7fffffff, 0x80000000 | 0, 0x7ffff800],
  [0, 0x80000000 | 0, -1, -1, 63],
  [0x40000000, 0x40000000, 0x40000000, 0x40000000, -0x80000000],
  [123, 0, 0, 0, 0],
];

/** Passes with pseudo-random 32-bit words (at the low pc only): sums and products overflow. */
const RANDOM_PASSES = 12;

/** rs1 and rs2 (low words) of the runs that leave a page by a branch */
const LEAVING: readonly (readonly [number, number])[] = [
  [5, 5],
  [3, 7],
];

/** load/store offsets from x1, the middle of the first data page, by pass */
const OFFSETS = [0, 8, -16, 24];

/** Code at a low address (user programs), above 4 GiB, and negative (a kernel's addresses). */
const BASES = [0x10000, 0x40_0000_0000, -TWO32 + 0x80010000];

/** CSR instret: the rare path's warm-up reads it (csrrs x7, instret, x0) */
const CSR_INSTRET = 0xc02;

interface Entry {
  op: number;
  rd: number;
  rs1: number;
  rs2: number;
  imm: number;
}

/**
 * The scratch memory and hart, made at the first warm-up and kept: the interpreter's optimized code
 * holds the scratch memory's class (map) weakly, as its memory call sites saw it, and V8 threw
 * that code away when the map died with the last scratch memory (a busybox ash loop: a second
 * 60-75 ms compile of the interpreter, in one run of two).
 */
let scratch: { mem: ScratchMemory; hart: ScratchHart } | undefined;

/** Which inline ops a warm-up runs: the base ISA's (RV64IM, FP loads and stores), the others, all. */
export enum WarmUp {
  BASE,
  REST,
  ALL,
}

/**
 * An op of RV64I or M (compressed ones decode to these), or an F/D load or store (the FP ops the
 * interpreter runs inline: libc's setjmp and printf move FP registers): what programs run, early.
 */
function baseOp(op: number): boolean {
  const ext = SPEC_BY_OP[op]?.ext;
  return ext === "I" || ext === "M" || ((ext === "F" || ext === "D") && SEMANTICS_BY_OP[op]?.kind !== "fpu");
}

/** The inline ops of the interpreter for `fpOff` that a warm-up of `which` runs. */
export function warmUpOps(fpOff: boolean, which: WarmUp): number[] {
  return inlineOps(fpOff).filter((op) => which === WarmUp.ALL || baseOp(op) === (which === WarmUp.BASE));
}

/**
 * Run `fn`, the interpreter for `fpOff`, over each of its inline ops of `which` on a scratch hart
 * made by `makeHart` on a memory of the warm-up's own. Returns the runs that did not end as planned
 * (a fault cuts a sequence short, and the ops after it go without feedback): none, normally.
 */
export function warmUpInterpreter(
  fn: InterpretFn,
  fpOff: boolean,
  makeHart: (mem: GuestMemory) => ScratchHart,
  which: WarmUp = WarmUp.ALL,
): string[] {
  const missed: string[] = [];
  if (scratch === undefined) {
    const mem = new ScratchMemory();
    scratch = { mem, hart: makeHart(mem) };
  }
  const { mem, hart } = scratch;
  const r = hart.state.r;
  const ops = warmUpOps(fpOff, which);
  if (ops.length === 0) return missed;
  const ecall = opOf((sem) => sem.kind === "trap" && sem.plusPrivilege === true);
  const ebreak = opOf((sem) => sem.kind === "trap" && sem.plusPrivilege !== true);
  const csrrs = opOf((sem) => sem.kind === "csr" && sem.how === "rs" && !sem.immediate);
  const codePages = mem.codePages;
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed | 0;
  };
  for (const base of BASES) {
    const data = base + 0x10000;
    hart.mmu.preload(base, 0, codePages[0]);
    hart.mmu.preload(base + PAGE_SIZE, PAGE_SIZE, codePages[1]);
    hart.mmu.preload(data, 2 * PAGE_SIZE);
    hart.mmu.preload(data + PAGE_SIZE, 3 * PAGE_SIZE);
    // the sequence starts near the end of the first code page and runs on into the second
    const start = base + PAGE_SIZE - 256;
    const passes = base === BASES[0] ? FIXED.length + RANDOM_PASSES : FIXED.length;
    for (let pass = 0; pass < passes; pass++) {
      const v = pass < FIXED.length ? FIXED[pass]! : [random(), random(), random(), random(), random()];
      const entries: Entry[] = [];
      for (const op of ops) entries.push(entryFor(op, v[4]!, OFFSETS[pass % OFFSETS.length]!));
      // one instruction of the rare path, then the end
      entries.push({ op: csrrs, rd: RD, rs1: 0, rs2: 0, imm: CSR_INSTRET });
      entries.push({ op: ecall, rd: 0, rs1: 0, rs2: 0, imm: 0 });
      setX(r, A, v[0]!, v[1]!);
      setX(r, B, v[2]!, v[3]!);
      setX(r, DATA, data + PAGE_SIZE / 2, 0);
      setX(r, JBASE, start, 0);
      // the two nops and every entry retire, the ECALL too
      run(fn, hart, mem, start, entries, true, Stop.ECALL, entries.length + 2, missed);
    }
    const breakpoint = { op: ebreak, rd: 0, rs1: 0, rs2: 0, imm: 0 };
    run(fn, hart, mem, start, [breakpoint], false, Stop.EBREAK, 0, missed);
    // the budget spent inside a page, after the two nops (as the run loop's stretches end)
    run(fn, hart, mem, start, [breakpoint], true, Stop.BUDGET, 2, missed);
    // Each branch and jump, taken from a page's last instruction into the next page: the arm's way
    // out of the page, which the sequences above never take (their targets are the next entry).
    // Operands equal, then the first below the second: each branch is taken in one of the two.
    const last = base + PAGE_SIZE - 4;
    const ending = { op: ecall, rd: 0, rs1: 0, rs2: 0, imm: 0 };
    setX(r, JBASE, last, 0);
    for (const op of ops.filter(leavesByJump))
      for (const [a, b] of LEAVING) {
        setX(r, A, a, 0);
        setX(r, B, b, 0);
        run(fn, hart, mem, last, [entryFor(op, 0, 0), ending], false, Stop.ECALL, 2, missed);
      }
  }
  return missed;
}

function setX(r: Int32Array, x: number, lo: number, hi: number): void {
  r[2 * x] = lo | 0;
  r[2 * x + 1] = (hi + Math.floor(lo / TWO32)) | 0;
}

/** ops with an arm of their own in the switch, but for the traps (they end a run) */
function inlineOps(fpOff: boolean): number[] {
  const out: number[] = [];
  SEMANTICS_BY_OP.forEach((sem, op) => {
    if (sem !== undefined && sem.kind !== "trap" && inlineCase(sem, fpOff)) out.push(op);
  });
  return out;
}

function leavesByJump(op: number): boolean {
  const kind = SEMANTICS_BY_OP[op]?.kind;
  return kind === "branch" || kind === "jump";
}

function opOf(test: (sem: Semantics) => boolean): number {
  const op = SEMANTICS_BY_OP.findIndex((sem) => sem !== undefined && test(sem));
  if (op < 0) throw new Error("interpreter warm-up: an op it needs has no semantics");
  return op;
}

/** op's entry in a sequence: branches and jumps go on to the next instruction. */
function entryFor(op: number, imm: number, offset: number): Entry {
  const sem = SEMANTICS_BY_OP[op]!;
  switch (sem.kind) {
    case "branch":
      return { op, rd: 0, rs1: A, rs2: B, imm: 4 };
    case "jump":
      // jalr: x8 holds the sequence's start; `run` fills in the immediate (NaN here)
      return jumpsByImmediate(sem)
        ? { op, rd: RD, rs1: 0, rs2: 0, imm: 4 }
        : { op, rd: RD, rs1: JBASE, rs2: 0, imm: Number.NaN };
    case "load":
    case "store":
      // rd and rs2 name f7 and f6 for FP loads and stores
      return { op, rd: RD, rs1: DATA, rs2: B, imm: offset };
    default:
      return { op, rd: RD, rs1: A, rs2: B, imm };
  }
}

/**
 * Lay `entries` out from `at`, 4 bytes each (with `nops`: after a c.nop and an addi nop whose
 * entries are left empty, for the interpreter to decode), and run `fn` from there with a budget of
 * `retire` instructions; a run that does not stop with `stop` after retiring them goes to `missed`.
 */
function run(
  fn: InterpretFn,
  hart: ScratchHart,
  mem: ScratchMemory,
  at: number,
  entries: readonly Entry[],
  nops: boolean,
  stop: number,
  retire: number,
  missed: string[],
): void {
  const r = hart.state.r;
  const jbase = r[2 * JBASE + 1]! * TWO32 + (r[2 * JBASE]! >>> 0);
  let pc = at;
  if (nops) {
    const host = hostPage(pc);
    mem.view.setUint16(host + inPage(pc), 0x0001, true);
    mem.view.setInt32(host + inPage(pc + 2), 0x00000013, true);
    const i = entryIndex(pc);
    mem.codePages[host / PAGE_SIZE]!.fill(0, i, i + 2 * CODE_STRIDE);
    pc += 6;
  }
  for (const e of entries) {
    putEntry(mem, pc, Number.isNaN(e.imm) ? { ...e, imm: pc + 4 - jbase } : e);
    pc += 4;
  }
  r[PC] = at | 0;
  r[PC + 1] = Math.floor(at / TWO32) | 0;
  const before = hart.retired;
  // every other run with a fractional budget (runs the same instructions: the loop runs while the
  // count is below it), as the block compiler's run loop may pass, computed from a double count
  half = !half;
  const got = fn(hart, Math.max(retire, 1) - (half ? 0.5 : 0));
  const retired = hart.retired - before;
  if (got !== stop || retired !== retire) {
    const where = `${entries.length} entries at ${at < 0 ? "-" : ""}0x${Math.abs(at).toString(16)}`;
    missed.push(
      `${where}: stop ${got} after ${retired} instructions (planned: stop ${stop} after ${retire})`,
    );
  }
}

/** Write the decoded entry of a 4-byte instruction at pc. */
function putEntry(mem: ScratchMemory, pc: number, e: Entry): void {
  // (indexed, not through entryAt's view: V8 optimizes this function, called a few thousand
  // times, and a subarray made that compile 15-35 ms of every run's)
  const page = mem.codePages[hostPage(pc) / PAGE_SIZE]!;
  const i = entryIndex(pc);
  page[i] = packEntry(e.op, e.rd, e.rs1, e.rs2, 0, 4);
  page[i + 1] = e.imm;
  page[i + 2] = 0;
}

/** whether the last run's budget was fractional */
let half = false;

/** pc's offset in its page (pc may be negative: a kernel's addresses) */
const inPage = (pc: number): number => pc - Math.floor(pc / PAGE_SIZE) * PAGE_SIZE;

/** The host page of code at pc: every base's first code page is host page 0, its second page 1. */
const hostPage = (pc: number): number => (Math.floor(pc / PAGE_SIZE) & 1) * PAGE_SIZE;

/** The index of the decoded entry of the instruction at `pc` in its page. */
const entryIndex = (pc: number): number => inPage(pc) * (CODE_STRIDE / 2);
