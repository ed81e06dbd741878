// The instructions the hot loop leaves aside, run one at a time from their semantics (semantics.ts):
// F and D arithmetic (the fpu module), LR/SC and AMOs, Zicsr (csr.ts), and the privileged
// instructions (privileged/traps.ts: illegal in user mode). The block compiler leaves them to the
// interpreter too, except F/D arithmetic, which it calls into the fpu module for. While mstatus.FS
// is Off, FP loads and stores come here too (Hart.interpret) and are illegal, as F/D arithmetic is.

import { accessCsr, type CsrHart } from "./csr.js";
import { opOf, rdOf, rs1Of, rs2Of, rs3Of } from "./decoded.js";
import { JS_RUNTIME, JS_RUNTIME_PRELUDE, JsLowering } from "./js-lowering.js";
import type { Mmu } from "./mmu.js";
import { FS } from "./privileged/fields.js";
import { Rare } from "./privileged/system-hart.js";
import { SEMANTICS_BY_OP } from "./semantics-by-op.js";
import { FCSR, MSTATUS, RES, RES_VALID } from "./state.js";

/** What rare instructions need of their hart. */
export interface RareHart extends CsrHart {
  readonly state: { readonly r: Int32Array; readonly fd: Float64Array };
  readonly mmu: Mmu;
  readonly mem: { readonly view: DataView };
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

/**
 * Execute the rare instruction of entry word w0 at pc (state pc is pc, the retired count exact): a
 * Rare code — TRAP (cause, tval set), NEXT, or JUMP/STOP with the state's pc where to go on.
 */
export function executeRare(h: RareHart, w0: number, imm: number, rmField: number, pc: number): number {
  const r = h.state.r;
  const op = opOf(w0);
  const sem = SEMANTICS_BY_OP[op];
  const rd = rdOf(w0) << 1;
  const a = rs1Of(w0) << 1;
  const b = rs2Of(w0) << 1;
  switch (sem?.kind) {
    case "fpu": {
      if ((r[MSTATUS]! & FS) === 0) return h.illegal(pc); // the FP unit is off
      let rm = rmField & 7;
      if (rm === 7) rm = r[FCSR]! >>> 5;
      if (rm > 4) return h.illegal(pc); // a reserved rounding mode (static, or in frm)
      const flags = sem.fn(r, h.state.fd, rdOf(w0), rs1Of(w0), rs2Of(w0), rs3Of(w0), rm);
      if (flags !== 0) r[FCSR] |= flags;
      return Rare.NEXT;
    }
    case "lr": {
      const at = h.mmu.atomic(r[a]!, r[a + 1]!, sem.size, false);
      if (at < 0) return Rare.TRAP;
      const lo = h.mem.view.getInt32(at, true);
      r[rd + 1] = sem.size === 4 ? lo >> 31 : h.mem.view.getInt32(at + 4, true);
      r[rd] = lo;
      r[RES] = r[a]!;
      r[RES + 1] = r[a + 1]!;
      r[RES_VALID] = sem.size;
      return Rare.NEXT;
    }
    case "sc": {
      const at = h.mmu.atomic(r[a]!, r[a + 1]!, sem.size, true);
      if (at < 0) return Rare.TRAP;
      const ok = r[RES_VALID] === sem.size && r[RES] === r[a] && r[RES + 1] === r[a + 1];
      r[RES_VALID] = 0;
      if (ok) {
        h.mem.view.setInt32(at, r[b]!, true);
        if (sem.size === 8) h.mem.view.setInt32(at + 4, r[b + 1]!, true);
      }
      r[rd] = ok ? 0 : 1;
      r[rd + 1] = 0;
      return Rare.NEXT;
    }
    case "amo": {
      const at = h.mmu.atomic(r[a]!, r[a + 1]!, sem.size, true);
      if (at < 0) return Rare.TRAP;
      const view = h.mem.view;
      const ol = view.getInt32(at, true);
      const oh = sem.size === 8 ? view.getInt32(at + 4, true) : ol >> 31;
      AMO_FNS[op]!(ol, oh, r[b]!, r[b + 1]!, scratch);
      view.setInt32(at, scratch[0]!, true);
      if (sem.size === 8) view.setInt32(at + 4, scratch[1]!, true);
      r[rd] = ol;
      r[rd + 1] = oh;
      return Rare.NEXT;
    }
    case "csr": {
      const src = rs1Of(w0);
      const writes = sem.how === "rw" || src !== 0;
      const lo = sem.immediate ? src : r[src << 1]!;
      const hi = sem.immediate ? 0 : r[(src << 1) + 1]!;
      const next = accessCsr(h, imm & 0xfff, sem.how, writes, lo, hi, scratch, pc);
      if (next !== Rare.TRAP) {
        r[rd] = scratch[0]!;
        r[rd + 1] = scratch[1]!;
      }
      return next;
    }
    case "system":
      return sem.fn(h, rs1Of(w0), rs2Of(w0), pc);
    default:
      // and FP loads and stores while the FP unit is off
      return h.illegal(pc);
  }
}
