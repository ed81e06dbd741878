// The instructions the hot loop leaves aside, run one at a time from their semantics (semantics.ts):
// F and D arithmetic (the fpu module), LR/SC and AMOs, Zicsr (csr.ts), and the privileged
// instructions (illegal in user mode). The block compiler leaves them to the interpreter too,
// except F/D arithmetic, which it calls into the fpu module for.

import { accessCsr, type CsrHart } from "./csr.js";
import { opOf, rdOf, rs1Of, rs2Of, rs3Of } from "./decoded.js";
import { JS_RUNTIME, JS_RUNTIME_PRELUDE, JsLowering } from "./js-lowering.js";
import type { Mmu } from "./mmu.js";
import { SEMANTICS_BY_OP } from "./semantics-by-op.js";
import { FCSR, RES, RES_VALID } from "./state.js";

/** What rare instructions need of their hart. */
export interface RareHart extends CsrHart {
  readonly state: { readonly r: Int32Array; readonly fd: Float64Array };
  readonly mmu: Mmu;
  readonly mem: { readonly view: DataView };
  /** record an illegal-instruction trap for the instruction at pc; returns false */
  illegal(pc: number): boolean;
}

/** An AMO's new memory value from the old one and rs2 (both as word pairs), into out[0], out[1]. */
type AmoFn = (ol: number, oh: number, vl: number, vh: number, out: Int32Array) => void;

/** Each AMO's combining function, generated from its expression in semantics.ts. */
const AMO_FNS: (AmoFn | undefined)[] = SEMANTICS_BY_OP.map((sem) => {
  if (sem?.kind !== "amo") return undefined;
  const low = new JsLowering({
    old: { lo: "ol", hi: "oh" },
    rs2: { lo: "vl", hi: "vh" },
  });
  const v = low.value(sem.value);
  const body = `${low.code()} out[0] = ${v.lo}; out[1] = ${v.hi};`;
  return new Function("RT", `${JS_RUNTIME_PRELUDE} return (ol, oh, vl, vh, out) => { ${body} };`)(
    JS_RUNTIME,
  ) as AmoFn;
});

const scratch = new Int32Array(2);

/** Execute the rare instruction of entry word w0 at pc; false when it trapped (cause, tval set). */
export function executeRare(h: RareHart, w0: number, imm: number, rmField: number, pc: number): boolean {
  const r = h.state.r;
  const op = opOf(w0);
  const sem = SEMANTICS_BY_OP[op];
  const rd = rdOf(w0) << 1;
  const a = rs1Of(w0) << 1;
  const b = rs2Of(w0) << 1;
  switch (sem?.kind) {
    case "fpu": {
      let rm = rmField & 7;
      if (rm === 7) rm = r[FCSR]! >>> 5;
      if (rm > 4) return h.illegal(pc); // a reserved rounding mode (static, or in frm)
      const flags = sem.fn(r, h.state.fd, rdOf(w0), rs1Of(w0), rs2Of(w0), rs3Of(w0), rm);
      if (flags !== 0) r[FCSR] |= flags;
      return true;
    }
    case "lr": {
      const at = h.mmu.atomic(r[a]!, r[a + 1]!, sem.size, false);
      if (at < 0) return false;
      const lo = h.mem.view.getInt32(at, true);
      r[rd + 1] = sem.size === 4 ? lo >> 31 : h.mem.view.getInt32(at + 4, true);
      r[rd] = lo;
      r[RES] = r[a]!;
      r[RES + 1] = r[a + 1]!;
      r[RES_VALID] = sem.size;
      return true;
    }
    case "sc": {
      const at = h.mmu.atomic(r[a]!, r[a + 1]!, sem.size, true);
      if (at < 0) return false;
      const ok = r[RES_VALID] === sem.size && r[RES] === r[a] && r[RES + 1] === r[a + 1];
      r[RES_VALID] = 0;
      if (ok) {
        h.mem.view.setInt32(at, r[b]!, true);
        if (sem.size === 8) h.mem.view.setInt32(at + 4, r[b + 1]!, true);
      }
      r[rd] = ok ? 0 : 1;
      r[rd + 1] = 0;
      return true;
    }
    case "amo": {
      const at = h.mmu.atomic(r[a]!, r[a + 1]!, sem.size, true);
      if (at < 0) return false;
      const view = h.mem.view;
      const ol = view.getInt32(at, true);
      const oh = sem.size === 8 ? view.getInt32(at + 4, true) : ol >> 31;
      AMO_FNS[op]!(ol, oh, r[b]!, r[b + 1]!, scratch);
      view.setInt32(at, scratch[0]!, true);
      if (sem.size === 8) view.setInt32(at + 4, scratch[1]!, true);
      r[rd] = ol;
      r[rd + 1] = oh;
      return true;
    }
    case "csr": {
      const src = rs1Of(w0);
      const writes = sem.how === "rw" || src !== 0;
      const lo = sem.immediate ? src : r[src << 1]!;
      const hi = sem.immediate ? 0 : r[(src << 1) + 1]!;
      const old = accessCsr(h, imm & 0xfff, sem.how, writes, lo, hi);
      if (old === undefined) return h.illegal(pc);
      r[rd] = old | 0;
      r[rd + 1] = Math.floor(old / 4294967296) | 0;
      return true;
    }
    default:
      return h.illegal(pc);
  }
}
