// The machine- and supervisor-level CSRs and the counters (Privileged ISA 1.12, chapters 3 and 4;
// Zicntr; Sstc), as csr.ts's table entries: each reads into a word pair and writes under its WARL
// rules; the S registers are views of the M ones where the spec says so (sstatus of mstatus, sie
// and sip of mie and mip through mideleg). Their state is in the hart's state buffer (state.ts).
// csr.ts applies the access rules of the CSR number; `allowed` adds the ones that depend on state
// (counter enables, mstatus.TVM, menvcfg.STCE).

import {
  MCAUSE,
  MCOUNTEREN,
  MCYCLE,
  MEDELEG,
  MENVCFG,
  MEPC,
  MIDELEG,
  MIE,
  MINSTRET,
  MIP,
  MSCRATCH,
  MSTATUS,
  MTVAL,
  MTVEC,
  PMP_ENTRIES,
  PMPADDR,
  PMPCFG,
  SATP,
  SCAUSE,
  SCOUNTEREN,
  SENVCFG,
  SEPC,
  SSCRATCH,
  STIMECMP,
  STVAL,
  STVEC,
} from "../state.js";
import {
  ALL_IRQS,
  ENVCFG_FIOM,
  FS,
  MEDELEG_WRITABLE,
  MIP_WRITABLE,
  MISA_HIGH,
  MISA_LOW,
  MPP,
  MPP_SHIFT,
  MSTATUS_WRITABLE,
  PRIV_M,
  PRIV_S,
  S_IRQS,
  SATP_BARE,
  SATP_SV39,
  SATP_SV48,
  SD_HIGH,
  SEIP,
  SSIP,
  SSTATUS_HIGH,
  SSTATUS_VISIBLE,
  SSTATUS_WRITABLE,
  STCE_HIGH,
  STIP,
  TVM,
  XL64,
} from "./fields.js";
import { PMP_A, PMP_L, PMP_R, PMP_W, pmpAddrWritable, pmpCfg } from "./pmp.js";
import type { SystemHart } from "./system-hart.js";
import { mipOf, sstcOn } from "./traps.js";

const TWO32 = 4294967296;

/** A CSR held in (or computed from) the hart's state. */
export interface RegCsr {
  readonly name: string;
  readonly kind: "reg";
  /** its value as a word pair: out[0] low, out[1] high */
  read(h: SystemHart, out: Int32Array): void;
  /** write (hi:lo) under its WARL rules; absent: writes have no effect (read-only-zero fields) */
  write?(h: SystemHart, lo: number, hi: number): void;
  /** the value csrrs/csrrc combine with, when it is not what `read` gives (mip: SEIP without the PLIC) */
  base?(h: SystemHart, out: Int32Array): void;
  /** an access rule beyond the number's: counter enables, mstatus.TVM, menvcfg.STCE */
  allowed?(h: SystemHart): boolean;
}

const set = (out: Int32Array, lo: number, hi: number): void => {
  out[0] = lo;
  out[1] = hi;
};

/** out := a number (exact below 2^53; negative values as two's complement). */
function setNumber(out: Int32Array, v: number): void {
  const hi = Math.floor(v / TWO32);
  out[0] = (v - hi * TWO32) | 0;
  out[1] = hi | 0;
}

/** A plain word pair at state word `at`, bits outside the masks read-only zero. */
function pair(name: string, at: number, maskLo = -1, maskHi = -1): RegCsr {
  return {
    name,
    kind: "reg",
    read: (h, out) => set(out, h.state.r[at]!, h.state.r[at + 1]!),
    write: (h, lo, hi) => {
      h.state.r[at] = lo & maskLo;
      h.state.r[at + 1] = hi & maskHi;
    },
  };
}

/** A 32-bit register in one state word (the counter enables). */
function word(name: string, at: number): RegCsr {
  return {
    name,
    kind: "reg",
    read: (h, out) => set(out, h.state.r[at]!, 0),
    write: (h, lo) => {
      h.state.r[at] = lo;
    },
  };
}

/** Read-only (or writes ignored) constant. */
function constant(name: string, lo = 0, hi = 0): RegCsr {
  return { name, kind: "reg", read: (_, out) => set(out, lo, hi), write: () => {} };
}

/** May the hart read counter `bit` (0 cycle, 1 time, 2 instret, 3.. hpm)? mcounteren, scounteren gate. */
function counterEnabled(h: SystemHart, bit: number): boolean {
  const r = h.state.r;
  if (h.priv === PRIV_M) return true;
  if (((r[MCOUNTEREN]! >>> bit) & 1) === 0) return false;
  return h.priv === PRIV_S || ((r[SCOUNTEREN]! >>> bit) & 1) === 1;
}

/** mcycle/minstret: the value last written plus the instructions retired since (state.ts). */
function readCounter(h: SystemHart, at: number, out: Int32Array): void {
  const r = h.state.r;
  const d = h.retired - h.state.fd[(at + 2) >> 1]!;
  const dHi = Math.floor(d / TWO32);
  const sum = (r[at]! >>> 0) + (d - dHi * TWO32);
  out[0] = sum | 0;
  out[1] = (r[at + 1]! + dHi + (sum >= TWO32 ? 1 : 0)) | 0;
}

function counter(name: string, at: number): RegCsr {
  return {
    name,
    kind: "reg",
    read: (h, out) => readCounter(h, at, out),
    // the written value is what the next instruction reads: this one is retired with it
    write: (h, lo, hi) => {
      h.state.r[at] = lo;
      h.state.r[at + 1] = hi;
      h.state.fd[(at + 2) >> 1] = h.retired + 1;
    },
  };
}

/** The user-level view of a counter (cycle, time, instret, hpmcounterN), gated by the enables. */
function userCounter(name: string, bit: number, read: (h: SystemHart, out: Int32Array) => void): RegCsr {
  return { name, kind: "reg", read, allowed: (h) => counterEnabled(h, bit) };
}

/** FS is Off or Dirty here (the spec lets Dirty stand for Initial and Clean); MPP = 2 is no mode. */
function legalStatus(s: number): number {
  if ((s & MPP) === 2 << MPP_SHIFT) s &= ~MPP;
  if (s & FS) s |= FS;
  return s;
}

const sd = (status: number): number => ((status & FS) === FS ? SD_HIGH : 0);

const mstatus: RegCsr = {
  name: "mstatus",
  kind: "reg",
  read: (h, out) => set(out, h.state.r[MSTATUS]!, XL64 | sd(h.state.r[MSTATUS]!)),
  write: (h, lo) => {
    const r = h.state.r;
    r[MSTATUS] = legalStatus((r[MSTATUS]! & ~MSTATUS_WRITABLE) | (lo & MSTATUS_WRITABLE));
  },
};

const sstatus: RegCsr = {
  name: "sstatus",
  kind: "reg",
  read: (h, out) => {
    const s = h.state.r[MSTATUS]!;
    set(out, s & SSTATUS_VISIBLE, (XL64 | sd(s)) & SSTATUS_HIGH);
  },
  write: (h, lo) => {
    const r = h.state.r;
    r[MSTATUS] = legalStatus((r[MSTATUS]! & ~SSTATUS_WRITABLE) | (lo & SSTATUS_WRITABLE));
  },
};

const mip: RegCsr = {
  name: "mip",
  kind: "reg",
  read: (h, out) => set(out, mipOf(h), 0),
  // SEIP as written, without the PLIC's line ("Machine Interrupt Registers")
  base: (h, out) => set(out, (mipOf(h) & ~SEIP) | (h.state.r[MIP]! & SEIP), 0),
  write: (h, lo) => {
    const r = h.state.r;
    const w = sstcOn(r) ? MIP_WRITABLE & ~STIP : MIP_WRITABLE;
    r[MIP] = (r[MIP]! & ~w) | (lo & w);
  },
};

const sip: RegCsr = {
  name: "sip",
  kind: "reg",
  read: (h, out) => set(out, mipOf(h) & h.state.r[MIDELEG]!, 0),
  // only SSIP is writable through sip, and only when delegated
  write: (h, lo) => {
    const r = h.state.r;
    const w = SSIP & r[MIDELEG]!;
    r[MIP] = (r[MIP]! & ~w) | (lo & w);
  },
};

const sie: RegCsr = {
  name: "sie",
  kind: "reg",
  read: (h, out) => set(out, h.state.r[MIE]! & h.state.r[MIDELEG]!, 0),
  write: (h, lo) => {
    const r = h.state.r;
    const d = r[MIDELEG]!;
    r[MIE] = (r[MIE]! & ~d) | (lo & d & ALL_IRQS);
  },
};

const satp: RegCsr = {
  name: "satp",
  kind: "reg",
  read: (h, out) => set(out, h.state.r[SATP]!, h.state.r[SATP + 1]!),
  // an unsupported MODE makes the whole write have no effect
  write: (h, lo, hi) => {
    const mode = hi >>> 28;
    if (mode !== SATP_BARE && mode !== SATP_SV39 && mode !== SATP_SV48) return;
    h.state.r[SATP] = lo;
    h.state.r[SATP + 1] = hi;
  },
  allowed: (h) => !(h.priv === PRIV_S && (h.state.r[MSTATUS]! & TVM) !== 0),
};

const stimecmp: RegCsr = {
  ...pair("stimecmp", STIMECMP),
  allowed: (h) => h.priv === PRIV_M || sstcOn(h.state.r),
};

/** pmpcfg k (even): the cfg bytes of entries 4k .. 4k + 7; locked bytes keep their value. */
function pmpcfg(k: number): RegCsr {
  return {
    name: `pmpcfg${k}`,
    kind: "reg",
    read: (h, out) => set(out, h.state.r[PMPCFG + k]!, h.state.r[PMPCFG + k + 1]!),
    write: (h, lo, hi) => {
      const r = h.state.r;
      for (let j = 0; j < 8; j++) {
        const entry = 4 * k + j;
        if (pmpCfg(r, entry) & PMP_L) continue;
        let b = ((j < 4 ? lo : hi) >>> ((j & 3) * 8)) & (PMP_L | PMP_A | 7);
        if ((b & (PMP_R | PMP_W)) === PMP_W) b &= ~PMP_W; // W without R is reserved
        const w = PMPCFG + (entry >> 2);
        const shift = (entry & 3) * 8;
        r[w] = (r[w]! & ~(0xff << shift)) | (b << shift);
      }
    },
  };
}

function pmpaddr(i: number): RegCsr {
  return {
    name: `pmpaddr${i}`,
    kind: "reg",
    read: (h, out) => set(out, h.state.r[PMPADDR + 2 * i]!, h.state.r[PMPADDR + 2 * i + 1]!),
    write: (h, lo, hi) => {
      const r = h.state.r;
      if (!pmpAddrWritable(r, i)) return;
      r[PMPADDR + 2 * i] = lo;
      r[PMPADDR + 2 * i + 1] = hi & 0x3fffff; // address bits 55:2
    },
  };
}

/** CSR numbers of the PMP registers: writing them changes what translation allows. */
export function isPmpCsr(num: number): boolean {
  return num >= 0x3a0 && num < 0x3b0 + PMP_ENTRIES;
}

/** The privileged CSRs and counters by number. */
export const PRIVILEGED_CSRS: readonly (readonly [number, RegCsr])[] = [
  // counters (Zicntr): a cycle is an instruction here; the hpm counters read zero
  [0xc00, userCounter("cycle", 0, (h, out) => readCounter(h, MCYCLE, out))],
  [0xc01, userCounter("time", 1, (h, out) => setNumber(out, h.timeTicks()))],
  [0xc02, userCounter("instret", 2, (h, out) => readCounter(h, MINSTRET, out))],
  ...Array.from({ length: 29 }, (_, k) => {
    const n = k + 3;
    return [0xc00 + n, userCounter(`hpmcounter${n}`, n, (_h, out) => set(out, 0, 0))] as const;
  }),
  [0xb00, counter("mcycle", MCYCLE)],
  [0xb02, counter("minstret", MINSTRET)],
  ...Array.from({ length: 29 }, (_, k) => [0xb03 + k, constant(`mhpmcounter${k + 3}`)] as const),
  ...Array.from({ length: 29 }, (_, k) => [0x323 + k, constant(`mhpmevent${k + 3}`)] as const),
  [0x320, constant("mcountinhibit")],
  // machine information
  [0xf11, constant("mvendorid")],
  [0xf12, constant("marchid")],
  [0xf13, constant("mimpid")],
  [0xf14, { name: "mhartid", kind: "reg", read: (h, out) => setNumber(out, h.id) }],
  [0xf15, constant("mconfigptr")],
  // machine trap setup and handling
  [0x300, mstatus],
  [0x301, constant("misa", MISA_LOW, MISA_HIGH)],
  [0x302, pair("medeleg", MEDELEG, MEDELEG_WRITABLE, 0)],
  [0x303, pair("mideleg", MIDELEG, S_IRQS, 0)],
  [0x304, pair("mie", MIE, ALL_IRQS, 0)],
  [0x305, pair("mtvec", MTVEC, ~2)], // MODE 0 direct, 1 vectored (2 and 3 reserved)
  [0x306, word("mcounteren", MCOUNTEREN)],
  [0x30a, pair("menvcfg", MENVCFG, ENVCFG_FIOM, STCE_HIGH)],
  [0x340, pair("mscratch", MSCRATCH)],
  [0x341, pair("mepc", MEPC, ~1)],
  [0x342, pair("mcause", MCAUSE)],
  [0x343, pair("mtval", MTVAL)],
  [0x344, mip],
  // supervisor
  [0x100, sstatus],
  [0x104, sie],
  [0x105, pair("stvec", STVEC, ~2)],
  [0x106, word("scounteren", SCOUNTEREN)],
  [0x10a, pair("senvcfg", SENVCFG, ENVCFG_FIOM, 0)],
  [0x140, pair("sscratch", SSCRATCH)],
  [0x141, pair("sepc", SEPC, ~1)],
  [0x142, pair("scause", SCAUSE)],
  [0x143, pair("stval", STVAL)],
  [0x144, sip],
  [0x14d, stimecmp],
  [0x180, satp],
  // Debug spec's trigger module, with no triggers: tselect is hard-wired to 0 and tdata1 reads type
  // 0 ("no trigger at this tselect"), so software that probes for breakpoints finds none (tinfo's
  // bit 0: only type 0 is supported)
  [0x7a0, constant("tselect")],
  [0x7a1, constant("tdata1")],
  [0x7a2, constant("tdata2")],
  [0x7a3, constant("tdata3")],
  [0x7a4, constant("tinfo", 1)],
  // physical memory protection (RV64: even pmpcfg numbers only)
  ...Array.from({ length: 8 }, (_, j) => [0x3a0 + 2 * j, pmpcfg(2 * j)] as const),
  ...Array.from({ length: PMP_ENTRIES }, (_, i) => [0x3b0 + i, pmpaddr(i)] as const),
];
