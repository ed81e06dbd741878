// Random valid RV64GC instruction sequences for the differential random test, with the Zba and Zbb
// bit-manipulation instructions as one more kind of unit while WITH_ZB is on.
//
// A program body is a list of units. A unit is the smallest group that must stay together:
// one instruction, an LR ... SC sequence, a CSR write that is followed by a frm repair, or a
// forward branch/jump with the instructions it may skip. Any prefix of units is itself a valid
// body, which is what lets a failing program be bisected to the unit that makes it diverge.
//
// Rules that keep every program valid and deterministic on any conforming implementation:
// - x8 (s0) and x2 (sp) are never written (but for a c.addi16sp pair that moves sp and back):
//   they hold the scratch buffer's addresses (x8 = S, sp = S + 512); every load, store and AMO
//   goes to [S, S + 1024).
// - control flow only jumps forward over its own unit, so every program terminates.
// - a dynamic-rounding FP instruction only runs while frm holds a valid mode (0..4): the
//   generator tracks frm through every CSR write and repairs it after writes of unknown values.
// - SC only follows its LR directly (at most 3 register-only instructions in between, same
//   address and width), or runs with no reservation at all, where it must fail. Whether a plain
//   store between LR and SC breaks the reservation is implementation-defined, so never that.
// - no ecall/ebreak/privileged instructions, no counters (cycle, time, instret).

import { encode, type Operands } from "../../src/isa/encode.js";
import { AMO, CONTROL, FENCE, LOAD, LRSC, STORE, SYSTEM } from "../../src/isa/flags.js";
import { type ImmLayout, immBits, immCovered } from "../../src/isa/formats.js";
import { ALL_INSNS, type InsnSpec } from "../../src/isa/table.js";
import type { Prng } from "./prng.js";

/**
 * Whether bodies include Zba and Zbb instructions ("ZB" units). Off, the generator makes exactly the
 * programs it made before they existed (same seeds, same streams). HS_RANDOM_ZB=0 turns it off.
 */
export const WITH_ZB = process.env.HS_RANDOM_ZB !== "0";

const isZb = (s: InsnSpec) => s.ext === "Zba" || s.ext === "Zbb";

/** Registers the body never writes. */
export const X_SCRATCH = 8;
export const X_SP = 2;
/** Bytes of scratch memory at S that loads, stores and AMOs use; sp = S + SP_OFFSET. */
export const SCRATCH_BYTES = 1024;
export const SP_OFFSET = 512;

export interface Insn {
  name: string;
  fields: Operands;
  raw: number;
  len: 2 | 4;
}

export interface Unit {
  kind: string;
  insns: Insn[];
}

const CSR_FFLAGS = 0x001;
const CSR_FRM = 0x002;
const CSR_FCSR = 0x003;

/** Static rounding modes and dyn (7); 5 and 6 are reserved. dyn is weighted up. */
const RMS = [0, 1, 2, 3, 4, 7, 7, 7];

const isCompressed = (s: InsnSpec) => s.compressed;
const bytesOf = (name: string): number => {
  if (/^(lb|lbu|sb)$/.test(name)) return 1;
  if (/^(lh|lhu|sh)$/.test(name)) return 2;
  if (/^(c\.)?(lw|lwu|sw|flw|fsw)(sp)?$/.test(name)) return 4;
  return 8; // ld, sd, fld, fsd and their compressed forms
};

/** Instructions handled by special units; everything else in the table is "generic". */
function special(s: InsnSpec): boolean {
  return (
    s.ext === "Priv" ||
    (s.cls & (CONTROL | SYSTEM | FENCE | LOAD | STORE | AMO | LRSC)) !== 0 ||
    s.name === "c.addi16sp" // writes sp: only in "sp-adjust" units
  );
}

interface Catalog {
  /** register-only instructions, by group */
  generic: Record<"I" | "M" | "FD" | "C" | "ZB", InsnSpec[]>;
  loads: InsnSpec[];
  stores: InsnSpec[];
  amos: InsnSpec[];
}

let catalog: Catalog | undefined;
function getCatalog(): Catalog {
  if (catalog) return catalog;
  const c: Catalog = { generic: { I: [], M: [], FD: [], C: [], ZB: [] }, loads: [], stores: [], amos: [] };
  for (const s of ALL_INSNS) {
    if (s.ext === "Priv") continue;
    if ((s.cls & AMO) !== 0) c.amos.push(s);
    else if ((s.cls & LRSC) !== 0) continue;
    else if ((s.cls & LOAD) !== 0) c.loads.push(s);
    else if ((s.cls & STORE) !== 0) c.stores.push(s);
    else if (special(s)) continue;
    else if (isCompressed(s)) c.generic.C.push(s);
    else if (s.ext === "M") c.generic.M.push(s);
    else if (s.ext === "F" || s.ext === "D") c.generic.FD.push(s);
    else if (isZb(s)) c.generic.ZB.push(s);
    else c.generic.I.push(s);
  }
  catalog = c;
  return c;
}

/** Kinds of unit and how often each is chosen. */
const UNIT_WEIGHTS: readonly [string, number][] = [
  ["I", 22],
  ["M", 10],
  ["FD", 26],
  ["C", 12],
  ["sp-adjust", 1],
  ["load", 7],
  ["store", 6],
  ["amo", 5],
  ["lrsc", 3],
  ["sc-alone", 1],
  ["csr", 5],
  ["fence", 1],
  ["branch", 5],
  ["jump", 2],
  ["indirect", 3],
  ["ZB", WITH_ZB ? 12 : 0], // last: with weight 0 the draws of the other kinds do not change
];
const TOTAL_WEIGHT = UNIT_WEIGHTS.reduce((a, [, w]) => a + w, 0);
const CONTROL_KINDS = new Set(["branch", "jump", "indirect"]);

export class Generator {
  /** The rounding mode frm holds at this point of the program (always valid). */
  frm: number;

  constructor(
    private readonly rng: Prng,
    initialFrm: number,
  ) {
    this.frm = initialFrm;
  }

  /** Units until the body holds at least `count` instructions. */
  body(count: number): Unit[] {
    const units: Unit[] = [];
    let n = 0;
    while (n < count) {
      const u = this.unit(true);
      units.push(u);
      n += u.insns.length;
    }
    return units;
  }

  unit(allowControl: boolean): Unit {
    for (;;) {
      let r = this.rng.below(TOTAL_WEIGHT);
      let kind = UNIT_WEIGHTS[0]![0];
      for (const [k, w] of UNIT_WEIGHTS) {
        if (r < w) {
          kind = k;
          break;
        }
        r -= w;
      }
      if (!allowControl && CONTROL_KINDS.has(kind)) continue;
      const insns = this.make(kind, allowControl);
      if (insns) return { kind, insns };
    }
  }

  /** `mayChangeFrm` is false inside code a forward jump may skip: frm must be known either way. */
  private make(kind: string, mayChangeFrm: boolean): Insn[] | undefined {
    const cat = getCatalog();
    switch (kind) {
      case "sp-adjust": {
        // c.addi16sp moves sp; undo it at once (sp must keep pointing into the scratch area),
        // with a reader of the moved sp in between
        const k = 16 * this.rng.range(1, 31) * (this.rng.chance(0.5) ? 1 : -1);
        const down = this.must("c.addi16sp", { rd: X_SP, imm: k });
        const read = this.tryEncode("c.addi4spn", () => ({
          rd: this.dest("x", 3),
          imm: 4 * this.rng.range(1, 255),
        }));
        return read ? [down, read, this.must("c.addi16sp", { rd: X_SP, imm: -k })] : undefined;
      }
      case "I":
      case "M":
      case "FD":
      case "C":
      case "ZB": {
        const i = this.generic(this.rng.pick(cat.generic[kind]));
        return i ? [i] : undefined;
      }
      case "load":
        return this.memory(this.rng.pick(cat.loads));
      case "store":
        return this.memory(this.rng.pick(cat.stores));
      case "amo": {
        const s = this.rng.pick(cat.amos);
        const i = this.tryEncode(s.name, () => ({
          rd: this.dest("x", 5),
          rs1: this.rng.chance(0.5) ? X_SCRATCH : X_SP,
          rs2: this.source(5),
          rm: this.rng.below(4),
        }));
        return i ? [i] : undefined;
      }
      case "lrsc":
        return this.lrsc();
      case "sc-alone": {
        // No reservation is held here (every LR was consumed by its SC): this SC must fail.
        const i = this.tryEncode(this.rng.pick(["sc.w", "sc.d"]), () => ({
          rd: this.dest("x", 5),
          rs1: this.rng.chance(0.5) ? X_SCRATCH : X_SP,
          rs2: this.source(5),
          rm: this.rng.below(4),
        }));
        return i ? [i] : undefined;
      }
      case "csr":
        return this.csr(mayChangeFrm);
      case "fence":
        return this.rng.chance(0.7)
          ? [this.must("fence", { imm: this.rng.chance(0.9) ? this.rng.below(256) : 0x833 })]
          : [this.must("fence.i", {})];
      case "branch":
      case "jump":
      case "indirect":
        return this.control(kind);
      default:
        throw new Error(`generator: unknown unit kind ${kind}`);
    }
  }

  // ---- registers and immediates ----

  /** A destination register: never x2 or x8; 3-bit fields name x8..x15, so x9..x15. */
  private dest(kind: string, width: number): number {
    if (kind === "f") return width === 3 ? this.rng.range(8, 15) : this.rng.below(32);
    if (width === 3) return this.rng.range(9, 15);
    for (;;) {
      const r = this.rng.below(32);
      if (r !== X_SP && r !== X_SCRATCH) return r;
    }
  }

  private source(width: number): number {
    return width === 3 ? this.rng.range(8, 15) : this.rng.below(32);
  }

  /** A random encodable immediate, often an edge value. */
  private imm(layout: ImmLayout): number {
    const bits = immBits(layout);
    const covered = immCovered(layout);
    const sign = layout.signed ? 2 ** (bits - 1) : 0;
    let raw: number;
    switch (this.rng.below(8)) {
      case 0:
        raw = 0;
        break;
      case 1:
        raw = covered; // -1 or the largest unsigned value
        break;
      case 2:
        raw = sign || covered;
        break;
      case 3:
        raw = (covered & ~sign) >>> 0;
        break;
      case 4:
        raw = covered & ((covered & -covered) * this.rng.range(1, 4)); // small values
        break;
      default:
        raw = (this.rng.u32() & covered) >>> 0;
    }
    if (!layout.signed || bits >= 32) return raw | 0;
    const shift = 32 - bits;
    return ((raw << shift) >> shift) | 0;
  }

  private rm(): number {
    return this.rng.pick(RMS);
  }

  // ---- encoding ----

  private must(name: string, fields: Operands): Insn {
    const raw = encode(name, fields);
    return { name, fields, raw, len: name.startsWith("c.") ? 2 : 4 };
  }

  /** Encodes with operands from `make`, retrying when they form a reserved encoding. */
  private tryEncode(name: string, make: () => Operands): Insn | undefined {
    for (let attempt = 0; attempt < 24; attempt++) {
      const fields = make();
      try {
        return this.must(name, fields);
      } catch {
        // reserved combination (c.addi rd=x0, c.lui imm 0 ...): try other operands
      }
    }
    return undefined;
  }

  private generic(s: InsnSpec): Insn | undefined {
    return this.tryEncode(s.name, () => {
      const f: Operands = {};
      const fmt = s.format;
      const [rdK, rs1K, rs2K, rs3K] = s.regs;
      if (fmt.rd && rdK !== "-") f.rd = this.dest(rdK, fmt.rd.width);
      if (fmt.rs1 && rs1K !== "-" && fmt.rs1 !== fmt.rd) f.rs1 = this.source(fmt.rs1.width);
      if (fmt.rs2 && rs2K !== "-") f.rs2 = this.source(fmt.rs2.width);
      if (fmt.rs3 && rs3K !== "-") f.rs3 = this.source(fmt.rs3.width);
      if (fmt.rm) f.rm = this.rm();
      if (fmt.imm) f.imm = this.imm(fmt.imm);
      return f;
    });
  }

  private memory(s: InsnSpec): Insn[] | undefined {
    const fmt = s.format;
    const isStore = (s.cls & STORE) !== 0;
    const size = bytesOf(s.name);
    const i = this.tryEncode(s.name, () => {
      const f: Operands = {};
      const valueKind = isStore ? s.regs[2] : s.regs[0];
      if (fmt.compressed) {
        // Bases: sp (implied) or rs1' = x8. Every encodable offset stays inside the scratch area.
        if (fmt.rs1) f.rs1 = X_SCRATCH;
        if (isStore) f.rs2 = this.source(fmt.rs2!.width);
        else f.rd = this.dest(valueKind, fmt.rd!.width);
        f.imm = this.imm(fmt.imm!);
        return f;
      }
      const onSp = this.rng.chance(0.4);
      f.rs1 = onSp ? X_SP : X_SCRATCH;
      const lo = onSp ? -SP_OFFSET : 0;
      const hi = (onSp ? SCRATCH_BYTES - SP_OFFSET : SCRATCH_BYTES) - size;
      let off = this.rng.range(lo, hi);
      if (this.rng.chance(0.9)) off -= ((off % size) + size) % size; // mostly naturally aligned
      f.imm = off;
      if (isStore) f.rs2 = this.source(5);
      else f.rd = this.dest(valueKind, 5);
      return f;
    });
    return i ? [i] : undefined;
  }

  /** LR, up to three register-only instructions, SC to the same address with the same width. */
  private lrsc(): Insn[] | undefined {
    const w = this.rng.chance(0.5) ? "w" : "d";
    const base = this.rng.chance(0.5) ? X_SCRATCH : X_SP;
    const lr = this.tryEncode(`lr.${w}`, () => ({ rd: this.dest("x", 5), rs1: base, rm: this.rng.below(4) }));
    if (!lr) return undefined;
    const out = [lr];
    const between = this.rng.below(4);
    const cat = getCatalog();
    for (let k = 0; k < between; k++) {
      const group = this.rng.pick(["I", "M", "C"] as const);
      const i = this.generic(this.rng.pick(cat.generic[group]));
      if (i) out.push(i);
    }
    const sc = this.tryEncode(`sc.${w}`, () => ({
      rd: this.dest("x", 5),
      rs1: base,
      rs2: this.source(5),
      rm: this.rng.below(4),
    }));
    if (!sc) return undefined;
    out.push(sc);
    return out;
  }

  /** CSR instructions on fflags, frm and fcsr, keeping frm valid for dynamic rounding. */
  private csr(mayChangeFrm: boolean): Insn[] {
    const rd = this.dest("x", 5);
    const csr = this.rng.pick([CSR_FFLAGS, CSR_FRM, CSR_FCSR]);
    const form = this.rng.pick(["csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci", "read"]);
    const out: Insn[] = [];
    if (form === "read") return [this.must("csrrs", { rd, csr, rs1: 0 })];
    if (!mayChangeFrm && csr !== CSR_FFLAGS) {
      // may be skipped at run time: only fflags may change here, or frm tracking would be wrong
      return [
        this.must(form.endsWith("i") ? form : "csrrs", {
          rd,
          csr: CSR_FFLAGS,
          rs1: form.endsWith("i") ? this.rng.below(32) : this.source(5),
        }),
      ];
    }
    if (form.endsWith("i")) {
      let uimm = this.rng.below(32);
      if (csr === CSR_FRM) {
        if (form === "csrrwi") uimm = this.rng.below(5);
        if (form === "csrrsi") {
          // only set bits that keep frm a valid mode
          const ok = [0, 1, 2, 3, 4].filter((v) => (v | this.frm) === v).map((v) => v & ~this.frm);
          uimm = this.rng.pick(ok) | (this.rng.below(4) << 3); // bits above 2 are not part of frm
        }
        const next =
          form === "csrrwi" ? uimm & 7 : form === "csrrsi" ? this.frm | (uimm & 7) : this.frm & ~(uimm & 7);
        this.frm = next;
      } else if (csr === CSR_FCSR && form === "csrrwi") {
        this.frm = 0; // a 5-bit immediate leaves fcsr[7:5] = 0
      } else if (csr === CSR_FCSR && form === "csrrsi") {
        // uimm < 32: frm untouched
      }
      out.push(this.must(form, { rd, csr, rs1: uimm }));
      if (this.frm > 4) throw new Error(`generator: frm tracking broke (${this.frm})`);
      return out;
    }
    out.push(this.must(form, { rd, csr, rs1: this.source(5) }));
    if (csr !== CSR_FFLAGS) {
      // frm now holds whatever the register had: put a known valid mode back
      this.frm = this.rng.below(5);
      out.push(
        this.must("csrrwi", {
          rd: this.rng.chance(0.5) ? 0 : this.dest("x", 5),
          csr: CSR_FRM,
          rs1: this.frm,
        }),
      );
    }
    return out;
  }

  /** Units a forward jump may skip (no control flow inside). */
  private shadow(): Insn[] {
    const out: Insn[] = [];
    const n = this.rng.range(1, 3);
    for (let k = 0; k < n; k++) out.push(...this.unit(false).insns);
    return out;
  }

  private control(kind: string): Insn[] | undefined {
    const skipped = this.shadow();
    const skip = skipped.reduce((a, i) => a + i.len, 0);
    if (kind === "branch") {
      if (this.rng.chance(0.3)) {
        const name = this.rng.pick(["c.beqz", "c.bnez"]);
        const br = this.tryEncode(name, () => ({ rs1: this.rng.range(8, 15), imm: 2 + skip }));
        return br ? [br, ...skipped] : undefined;
      }
      const name = this.rng.pick(["beq", "bne", "blt", "bge", "bltu", "bgeu"]);
      const rs1 = this.source(5);
      const rs2 = this.rng.chance(0.2) ? rs1 : this.source(5);
      return [this.must(name, { rs1, rs2, imm: 4 + skip }), ...skipped];
    }
    if (kind === "jump") {
      const j = this.rng.chance(0.4)
        ? this.must("c.j", { imm: 2 + skip })
        : this.must("jal", { rd: this.dest("x", 5), imm: 4 + skip });
      return [j, ...skipped];
    }
    // auipc rX, 0 ; [addi rX, rX, off] ; jalr / c.jr / c.jalr via rX, landing after `skipped`
    let rx = this.dest("x", 5);
    while (rx === 0) rx = this.dest("x", 5);
    const auipc = this.must("auipc", { rd: rx, imm: 0 });
    const style = this.rng.pick(["jalr-imm", "jalr", "c.jr", "c.jalr"]);
    if (style === "jalr-imm") {
      const odd = this.rng.chance(0.3) ? 1 : 0; // jalr clears bit 0 of the target
      const jalr = this.must("jalr", { rd: this.dest("x", 5), rs1: rx, imm: 8 + skip + odd });
      return [auipc, jalr, ...skipped];
    }
    const jumpLen = style === "jalr" ? 4 : 2;
    const addi = this.must("addi", { rd: rx, rs1: rx, imm: 8 + jumpLen + skip });
    const jump =
      style === "jalr"
        ? this.must("jalr", { rd: this.dest("x", 5), rs1: rx, imm: 0 })
        : this.must(style, { rs1: rx });
    return [auipc, addi, jump, ...skipped];
  }
}
