// The CSR file: each CSR with its access rule, read and write. Zicsr instructions (rare.ts) go
// through `accessCsr`, which applies the Privileged ISA's rules ("CSR Address Mapping
// Conventions"): bits 9:8 of the number give the lowest privilege that may access it, and bits 11:10
// = 3 mark it read-only; an access against the rules, or to a CSR this machine lacks, is an illegal
// instruction. User mode has the floating-point CSRs and the counters; the full system adds its
// CSRs to the same table.

import { FCSR } from "./state.js";

/** The `time` CSR ticks at 10 MHz: the timebase of QEMU's virt machine, and Linux's on it. */
export const TIMEBASE_NS = 100;

/** What a CSR sees of its hart. */
export interface CsrHart {
  readonly state: { readonly r: Int32Array };
  /** instructions retired by this hart */
  readonly retired: number;
  /** privilege mode: 0 user, 1 supervisor, 3 machine */
  readonly priv: number;
  /** the `time` CSR: the platform timer, in ticks */
  timeTicks(): number;
}

export interface CsrDef {
  readonly name: string;
  /** the value, as a number (exact below 2^53) */
  read(h: CsrHart): number;
  /** store a value the instruction computed (low and high words); absent for read-only CSRs */
  write?(h: CsrHart, lo: number, hi: number): void;
}

const fflags: CsrDef = {
  name: "fflags",
  read: (h) => h.state.r[FCSR]! & 0x1f,
  write: (h, lo) => {
    const r = h.state.r;
    r[FCSR] = (r[FCSR]! & ~0x1f) | (lo & 0x1f);
  },
};
const frm: CsrDef = {
  name: "frm",
  read: (h) => h.state.r[FCSR]! >>> 5,
  write: (h, lo) => {
    const r = h.state.r;
    r[FCSR] = (r[FCSR]! & 0x1f) | ((lo & 7) << 5);
  },
};
const fcsr: CsrDef = {
  name: "fcsr",
  read: (h) => h.state.r[FCSR]! & 0xff,
  write: (h, lo) => {
    h.state.r[FCSR] = lo & 0xff;
  },
};

/** The CSRs by number. */
export const CSRS = new Map<number, CsrDef>([
  [0x001, fflags],
  [0x002, frm],
  [0x003, fcsr],
  // the unprivileged counters (Zicntr): cycles are instructions here (one per cycle)
  [0xc00, { name: "cycle", read: (h) => h.retired }],
  [0xc01, { name: "time", read: (h) => h.timeTicks() }],
  [0xc02, { name: "instret", read: (h) => h.retired }],
]);

/**
 * Read-modify-write CSR `num` as a Zicsr instruction does: returns the old value, or undefined for an
 * illegal instruction. `writes` is false for csrrs/csrrc with x0 or 0, which must not write
 * (Zicsr, "CSR Instructions": so they can read read-only CSRs).
 */
export function accessCsr(
  h: CsrHart,
  num: number,
  how: "rw" | "rs" | "rc",
  writes: boolean,
  lo: number,
  hi: number,
): number | undefined {
  const def = CSRS.get(num);
  if (def === undefined || h.priv < ((num >>> 8) & 3)) return undefined;
  const readOnly = num >>> 10 === 3;
  if (writes && (readOnly || def.write === undefined)) return undefined;
  const old = def.read(h);
  if (writes) {
    const oldLo = old | 0;
    const oldHi = Math.floor(old / 4294967296) | 0;
    if (how === "rs") def.write!(h, oldLo | lo, oldHi | hi);
    else if (how === "rc") def.write!(h, oldLo & ~lo, oldHi & ~hi);
    else def.write!(h, lo, hi);
  }
  return old;
}
