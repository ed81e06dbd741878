// The CSR file: each CSR with its access rule, read and write. Zicsr instructions go through it
// with the Privileged ISA's rules ("CSR Address Mapping Conventions"): bits 9:8 of the number give
// the lowest privilege that may access it, and bits 11:10 = 3 mark it read-only; an access against
// the rules, or to a CSR this machine lacks, is an illegal instruction. User mode reaches the
// floating-point CSRs and the counters; the machine and supervisor CSRs (privileged/csrs.ts) are in
// the same table, out of its reach by those rules.
//
// The floating-point CSRs are views of one state word, fcsr (frm << 5 | fflags), and are described
// in the semantics vocabulary (ir.ts): what reading gives and what writing makes of the word. The
// block compiler inlines accesses to them from that description (glibc's sqrt wrapper reads and
// writes fflags around every call), and the rare path runs functions generated from it.

import { and, c, type Expr, FCSR_WORD, not, or, RS1, shl, shr, substitute } from "./ir.js";
import { JS_RUNTIME, JS_RUNTIME_PRELUDE, JsLowering } from "./js-lowering.js";
import { isPmpCsr, PRIVILEGED_CSRS, type RegCsr } from "./privileged/csrs.js";
import { FS } from "./privileged/fields.js";
import { Rare, type SystemHart } from "./privileged/system-hart.js";
import { afterCsrWrite } from "./privileged/traps.js";
import { FCSR, MSTATUS } from "./state.js";

/** The `time` CSR ticks at 10 MHz: the timebase of QEMU's virt machine, and Linux's on it. */
export const TIMEBASE_NS = 100;

/** What a CSR sees of its hart. */
export type CsrHart = SystemHart;

export type CsrDef =
  /** a view of the fcsr word: its value, and the new word when V (written as leaf rs1) is written */
  | { readonly name: string; readonly kind: "fp"; readonly value: Expr; readonly update: Expr }
  /** held in or computed from the hart's state (privileged/csrs.ts) */
  | RegCsr;

/** The CSRs by number. */
export const CSRS = new Map<number, CsrDef>([
  [
    0x001,
    {
      name: "fflags",
      kind: "fp",
      value: and(FCSR_WORD, c(0x1f)),
      update: or(and(FCSR_WORD, c(~0x1f)), and(RS1, c(0x1f))),
    },
  ],
  [
    0x002,
    {
      name: "frm",
      kind: "fp",
      value: and(shr(FCSR_WORD, c(5)), c(7)),
      update: or(and(FCSR_WORD, c(0x1f)), shl(and(RS1, c(7)), c(5))),
    },
  ],
  [0x003, { name: "fcsr", kind: "fp", value: and(FCSR_WORD, c(0xff)), update: and(RS1, c(0xff)) }],
  ...PRIVILEGED_CSRS,
]);

/** May the hart access CSR `num`, writing it or not (the access rules; not whether it exists)? */
export function csrAllowed(num: number, priv: number, writes: boolean): boolean {
  return priv >= ((num >>> 8) & 3) && !(writes && num >>> 10 === 3);
}

/**
 * A Zicsr instruction on an fp CSR, in the vocabulary: the old value (for rd) and the new fcsr word,
 * from `src` (rs1's value, or the instruction's 5-bit immediate). csrrs/csrrc with x0 write the word
 * back unchanged, which is harmless for these CSRs.
 */
export function fpCsrAccess(
  def: Extract<CsrDef, { kind: "fp" }>,
  how: "rw" | "rs" | "rc",
  src: Expr,
): { old: Expr; fcsr: Expr } {
  const old = def.value;
  const v = how === "rw" ? src : how === "rs" ? or(old, src) : and(old, not(src));
  return { old, fcsr: substitute(def.update, "rs1", v) };
}

/** (fcsr, srcLo, srcHi, out) => void: out = [new fcsr, old lo, old hi]. */
type FpCsrFn = (f: number, sl: number, sh: number, out: Int32Array) => void;
const fpFns = new Map<string, FpCsrFn>();

function fpFn(num: number, def: Extract<CsrDef, { kind: "fp" }>, how: "rw" | "rs" | "rc"): FpCsrFn {
  const key = `${num}:${how}`;
  let fn = fpFns.get(key);
  if (fn === undefined) {
    const low = new JsLowering({
      fcsr: { lo: "f", hi: 0 },
      rs1: { lo: "sl", hi: "sh" },
    });
    const a = fpCsrAccess(def, how, RS1);
    const old = low.valueBound(a.old);
    const word = low.valueBound(a.fcsr);
    const body = `${low.code()} out[0] = ${word.lo}; out[1] = ${old.lo}; out[2] = ${old.hi};`;
    fn = new Function("RT", `${JS_RUNTIME_PRELUDE} return (f, sl, sh, out) => { ${body} };`)(
      JS_RUNTIME,
    ) as FpCsrFn;
    fpFns.set(key, fn);
  }
  return fn;
}

const out = new Int32Array(3);
const base = new Int32Array(2);

/**
 * Read-modify-write CSR `num` as the Zicsr instruction at pc does: the old value into old[0] (low
 * word) and old[1]; returns Rare.NEXT, or Rare.TRAP for an illegal instruction (recorded), or what
 * follows a write to a privileged CSR (privileged/traps.ts: afterCsrWrite). `writes` is false for
 * csrrs/csrrc with x0 or 0, which must not write (Zicsr, "CSR Instructions": so they can read
 * read-only CSRs). The FP CSRs are illegal while mstatus.FS is Off.
 */
export function accessCsr(
  h: CsrHart,
  num: number,
  how: "rw" | "rs" | "rc",
  writes: boolean,
  lo: number,
  hi: number,
  old: Int32Array,
  pc: number,
): number {
  const def = CSRS.get(num);
  if (def === undefined || !csrAllowed(num, h.priv, writes)) return h.illegal(pc);
  const r = h.state.r;
  if (def.kind === "fp") {
    if ((r[MSTATUS]! & FS) === 0) return h.illegal(pc);
    fpFn(num, def, how)(r[FCSR]!, lo, hi, out);
    r[FCSR] = out[0]!;
    old[0] = out[1]!;
    old[1] = out[2]!;
    return Rare.NEXT;
  }
  if (def.allowed !== undefined && !def.allowed(h)) return h.illegal(pc);
  def.read(h, old);
  if (!writes || def.write === undefined) return Rare.NEXT;
  let bl = old[0]!;
  let bh = old[1]!;
  if (how !== "rw" && def.base !== undefined) {
    def.base(h, base);
    bl = base[0]!;
    bh = base[1]!;
  }
  const fsBefore = r[MSTATUS]! & FS;
  if (how === "rw") def.write(h, lo, hi);
  else if (how === "rs") def.write(h, bl | lo, bh | hi);
  else def.write(h, bl & ~lo, bh & ~hi);
  h.translationChanged(isPmpCsr(num));
  return afterCsrWrite(h, num, pc, fsBefore);
}

/**
 * CSR `num` as a debugger reads it (gdb's CSR registers in the full system): whatever the hart's
 * privilege, changing nothing; false for a CSR the hart does not have or an FP CSR (gdb has those
 * as FP registers).
 */
export function peekCsr(h: CsrHart, num: number, value: Int32Array): boolean {
  const def = CSRS.get(num);
  if (def === undefined || def.kind !== "reg") return false;
  def.read(h, value);
  return true;
}

/**
 * Write CSR `num` as a debugger does: under the CSR's WARL rules, whatever the hart's privilege;
 * translation is looked at again (satp, mstatus, PMP). False for a CSR pokeCsr cannot write.
 */
export function pokeCsr(h: CsrHart, num: number, lo: number, hi: number): boolean {
  const def = CSRS.get(num);
  if (def === undefined || def.kind !== "reg" || def.write === undefined) return false;
  def.write(h, lo, hi);
  h.translationChanged(isPmpCsr(num));
  return true;
}

/** The numbers and names of the CSRs peekCsr reads. */
export function peekableCsrs(): [number, string][] {
  return [...CSRS].filter(([, d]) => d.kind === "reg").map(([n, d]) => [n, d.name]);
}
