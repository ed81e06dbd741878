// What a compiled region holds: blocks of decoded entries (of one or more pages), each running
// from a start entry to its first control transfer. A region grows from hot starts by following
// branches, jumps, fall-throughs and return points to warm code the interpreter has decoded, so a
// loop of several blocks runs inside one generated function.
//
// Entries are read through the decoded-page layout (decoded.ts).

import { writesIntRd } from "../../isa/classes.js";
import { OP_COUNT } from "../../isa/ops.js";
import { CSRS } from "../csr.js";
import { CODE_ENTRIES, CODE_STRIDE, lenOf, OP_PROBE, opOf, rdOf, W_SAVED } from "../decoded.js";
import type { FpuOp } from "../fpu/index.js";
import { PAGE_SIZE } from "../page.js";
import { jumpsByImmediate } from "../semantics.js";
import { SEMANTICS_BY_OP } from "../semantics-by-op.js";
import { Cause } from "../stop.js";

export { OP_PROBE };

/** How compiled code treats an op. */
export const Kind = {
  /** left to the interpreter: A, Zicsr, privileged, probes */
  RARE: 0,
  /** compiled inline, falls through */
  INLINE: 1,
  /** an F/D operation: a call into the fpu module */
  FPU: 2,
  /** conditional branch: ends its block with two exits */
  BRANCH: 3,
  /** a jump to pc + imm */
  JAL: 4,
  /** a jump to a computed target */
  JALR: 5,
  /** ECALL, EBREAK: end the block and stop the hart */
  TRAP: 6,
} as const;

/** The kind of each op, from its semantics. */
export const KIND = new Uint8Array(512);
/** The fpu function of each F/D op. */
export const FPU_FN: (FpuOp | undefined)[] = new Array(512).fill(undefined);
/** Ops whose rd is an x register (rd = x0 decodes to the sink, X_SINK). */
export const INT_RD = new Uint8Array(512);
/** LR, SC and the AMOs: RARE to the interpreter's stretches, but compiled code runs them. */
export const ATOMIC = new Uint8Array(512);

SEMANTICS_BY_OP.forEach((sem, op) => {
  if (writesIntRd(op)) INT_RD[op] = 1;
  if (sem?.kind === "lr" || sem?.kind === "sc" || sem?.kind === "amo") ATOMIC[op] = 1;
  switch (sem?.kind) {
    case "write":
    case "load":
    case "store":
    case "fence":
      KIND[op] = Kind.INLINE;
      break;
    case "fpu":
      KIND[op] = Kind.FPU;
      FPU_FN[op] = sem.fn;
      break;
    case "branch":
      KIND[op] = Kind.BRANCH;
      break;
    case "jump":
      KIND[op] = jumpsByImmediate(sem) ? Kind.JAL : Kind.JALR;
      break;
    case "trap":
      KIND[op] = Kind.TRAP;
      break;
  }
});
if (OP_COUNT > OP_PROBE) throw new Error("op ids reach OP_PROBE");

/** How a block ends. */
export const End = {
  /** its last instruction (branch, jump, ecall, ebreak) decides */
  TERM: 0,
  /** it runs on into entry `next` (another block, or code outside the region) */
  FALL: 1,
  /** entry `next` holds an instruction only the interpreter runs */
  RARE: 2,
} as const;

export interface Insn {
  /** entry index in its page: pc = pageVA + 2 * idx */
  idx: number;
  /** the instruction's entry word (a probed entry's original, from w3) */
  w0: number;
  imm: number;
  rm: number;
  /** a probe fires before it (compiled code calls the hart's probe sink in place) */
  probe: boolean;
}

/** A decoded page as a region sees it. */
export interface CodePage {
  readonly page: Int32Array;
  readonly pageVA: number;
}

export interface Block {
  /** index of its page in the region's page list */
  page: number;
  start: number;
  insns: Insn[];
  end: number;
  /** entry after the last instruction (CODE_ENTRIES or beyond: on the next page) */
  next: number;
}

/** EBREAK: a trap whose cause is a breakpoint. */
export function isBreakpoint(op: number): boolean {
  const sem = SEMANTICS_BY_OP[op];
  return sem?.kind === "trap" && sem.cause === Cause.BREAKPOINT;
}

/** A Zicsr instruction on an fp CSR (fflags, frm, fcsr): compiled inline from csr.ts's description. */
export function inlineCsr(op: number, imm: number): boolean {
  const sem = SEMANTICS_BY_OP[op];
  return sem?.kind === "csr" && CSRS.get(imm & 0xfff)?.kind === "fp";
}

/** An FP op's rounding mode is static and reserved (5, 6): the interpreter raises the trap. */
function reservedRm(op: number, rmField: number): boolean {
  const rm = rmField & 7;
  return KIND[op] === Kind.FPU && (rm === 5 || rm === 6);
}

/** Scan one block from entry `start`, stopping before any other entry in `starts`. */
export function scanBlock(
  page: Int32Array,
  p: number,
  start: number,
  starts: ReadonlySet<number> | undefined,
): Block {
  const insns: Insn[] = [];
  let i = start;
  for (;;) {
    if (i >= CODE_ENTRIES || (i !== start && starts?.has(key(p, i))))
      return { page: p, start, insns, end: End.FALL, next: i };
    const e = i * CODE_STRIDE;
    const w0 = page[e]!;
    // Not decoded yet. (A 4-byte instruction whose second half lies on the next page compiles
    // like any other: its entry is dropped, and this page's version bumped, whenever that half
    // may change — a store to it, a mapping change, SFENCE.VMA — decoded-pages.ts. lua's bytecode
    // loop jumps to one 157k times a run, each through the run loop into the interpreter.)
    if (w0 === 0) return { page: p, start, insns, end: End.FALL, next: i };
    // a probed entry compiles as its original instruction with the probe's call before it
    const probe = opOf(w0) === OP_PROBE;
    const word = probe ? page[e + W_SAVED]! : w0;
    const op = opOf(word);
    const kind = KIND[op]!;
    if (
      (kind === Kind.RARE && !inlineCsr(op, page[e + 1]!) && ATOMIC[op] !== 1) ||
      reservedRm(op, page[e + 2]!)
    )
      return { page: p, start, insns, end: End.RARE, next: i };
    insns.push({ idx: i, w0: word, imm: page[e + 1]!, rm: page[e + 2]!, probe });
    i += lenOf(w0) >> 1;
    if (kind >= Kind.BRANCH) return { page: p, start, insns, end: End.TERM, next: i };
  }
}

/** A region's name for entry idx of its page p. */
export function key(p: number, idx: number): number {
  return p * CODE_ENTRIES + idx;
}

/** The page (index in `pages`) and entry of pc, or -1 when no page of the list holds it. */
export function locate(pages: readonly CodePage[], pc: number): number {
  for (let p = 0; p < pages.length; p++) {
    const off = pc - pages[p]!.pageVA;
    if (off >= 0 && off < PAGE_SIZE) return key(p, off >> 1);
  }
  return -1;
}

/** Where a block may continue: pcs of branch targets, fall-throughs and return points. */
function successors(pages: readonly CodePage[], b: Block, out: number[]): void {
  const { page, pageVA } = pages[b.page]!;
  const pc = (idx: number) => pageVA + 2 * idx;
  if (b.end === End.FALL) out.push(pc(b.next));
  else if (b.end === End.RARE) {
    // The rare instruction never starts a block; the dispatcher resumes after it.
    out.push(pc(b.next + (lenOf(page[b.next * CODE_STRIDE]!) >> 1)));
  } else {
    const last = b.insns[b.insns.length - 1]!;
    const kind = KIND[opOf(last.w0)]!;
    const rd = rdOf(last.w0);
    const jump = kind === Kind.JAL || kind === Kind.JALR;
    if (kind === Kind.JAL || kind === Kind.BRANCH) out.push(pc(last.idx) + last.imm);
    // After a branch, an ECALL, or a call (rd = ra): the fall-through or the return point. (An
    // EBREAK stops the hart; what follows it is not known to run.)
    if (kind === Kind.BRANCH || (kind === Kind.TRAP && !isBreakpoint(opOf(last.w0)))) out.push(pc(b.next));
    else if (jump && rd !== 32 && rd !== 0) out.push(pc(b.next));
  }
}

/**
 * The blocks of a region grown from `seeds` (keys of entries of `pages`, hottest first), at most
 * about `maxInsns` instructions. Successors within the pages are followed when `warm` says they
 * ran often enough (only decoded entries can be), never into entries `exclude` names (starts other
 * regions own). Blocks are split where another block of the region starts, so no instruction is
 * compiled twice in it.
 */
export function buildRegion(
  pages: readonly CodePage[],
  seeds: readonly number[],
  maxInsns: number,
  exclude: (p: number, idx: number) => boolean,
  warm: (p: number, idx: number) => boolean,
): Block[] {
  const starts = new Set<number>();
  const order: number[] = [];
  const queue = seeds.slice();
  const next: number[] = [];
  let total = 0;
  // every seed is taken (merges rely on it); successors while the size bound allows
  for (let q = 0; q < queue.length && (total < maxInsns || q < seeds.length); q++) {
    const k = queue[q]!;
    if (k < 0 || starts.has(k)) continue;
    const p = Math.floor(k / CODE_ENTRIES);
    const idx = k - p * CODE_ENTRIES;
    const page = pages[p]!.page;
    if (page[idx * CODE_STRIDE] === 0 || exclude(p, idx)) continue;
    if (q >= seeds.length && !warm(p, idx)) continue;
    const b = scanBlock(page, p, idx, undefined);
    if (b.insns.length === 0) continue;
    starts.add(k);
    order.push(k);
    total += b.insns.length;
    next.length = 0;
    successors(pages, b, next);
    for (const pc of next) {
      const n = locate(pages, pc);
      if (n >= 0 && !starts.has(n)) queue.push(n);
    }
  }
  // (pushed to a literal, not order.map: with map's arrays, V8 threw away the optimized `crossed`,
  // which walks this array, at a merge: "wrong map", in zstd runs 3 of 3, with push 0 of 3)
  const blocks: Block[] = [];
  for (const k of order) {
    const p = Math.floor(k / CODE_ENTRIES);
    blocks.push(scanBlock(pages[p]!.page, p, k - p * CODE_ENTRIES, undefined));
  }
  return blocks;
}

/**
 * Instructions the interpreter runs from entry `idx` to the first control transfer or rare
 * instruction (inclusive);
 * negative when it reaches an entry not decoded yet (the stretch then ends there).
 */
export function stretchLength(page: Int32Array, idx: number): number {
  let n = 0;
  let i = idx;
  while (i < CODE_ENTRIES) {
    let w0 = page[i * CODE_STRIDE]!;
    n++;
    if (w0 === 0) return -n;
    if (opOf(w0) === OP_PROBE) w0 = page[i * CODE_STRIDE + W_SAVED]!;
    const op = opOf(w0);
    const kind = KIND[op]!;
    // Stop after control transfers, and after what compiled code leaves to the interpreter (so
    // that the code after it starts a block of its own).
    if (kind >= Kind.BRANCH || (kind === Kind.RARE && !inlineCsr(op, page[i * CODE_STRIDE + 1]!))) break;
    i += lenOf(w0) >> 1;
  }
  return n;
}
