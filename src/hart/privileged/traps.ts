// Traps and the privileged instructions (Privileged ISA 1.12, chapters 3 and 4): taking a trap with
// delegation from M to S, which interrupts are pending and may be taken, and the semantics of the
// `system` rows of semantics.ts — MRET, SRET, WFI, SFENCE.VMA — which the rare path runs.
//
// When are interrupts taken? The hart checks at the start of each run and after each instruction
// that can make one takeable: a CSR write (mstatus, mie, mip, mideleg, ... and their S views), MRET,
// SRET, and a device access (a store to the CLINT's msip raises a pin at once). Nothing else makes
// an interrupt takeable in the middle of a run: the pins change at events (the machine cuts runs at
// event deadlines) or in device accesses, and Sstc's comparator turns on at a time the hart cuts its
// own runs at (Hart.run). Checking there is therefore exact, and costs nothing per instruction.
// An interrupt to take leaves the run as Stop.FAULT with an interrupt cause; the environment takes it
// as any trap.

import {
  CAUSE,
  MCAUSE,
  MEDELEG,
  MENVCFG,
  MEPC,
  MIDELEG,
  MIE as MIE_WORD,
  MINSTRET_AT,
  MIP,
  MSTATUS,
  MTVAL,
  MTVEC,
  PC,
  PINS,
  RES_VALID,
  SEPC,
  STIMECMP,
  TVAL,
} from "../state.js";
import { Cause, Stop } from "../stop.js";
import {
  ALL_IRQS,
  FS,
  MIE,
  MPIE,
  MPP,
  MPP_SHIFT,
  MPRV,
  PRIV_M,
  PRIV_S,
  PRIV_U,
  SIE,
  SPIE,
  SPP,
  STCE_HIGH,
  STIP,
  TSR,
  TVM,
  TW,
} from "./fields.js";
import { Rare, STOP_RECHECK, STOP_WFI, STOP_WFI_SPIN, type SystemHart } from "./system-hart.js";

const TWO32 = 4294967296;

/** Interrupt codes in decreasing priority ("Machine Interrupt Registers"): MEI, MSI, MTI, SEI, SSI, STI. */
const PRIORITY = [11, 3, 7, 9, 1, 5] as const;

/** stimecmp as a number of ticks (exact below 2^53; "never" values are larger anyway). */
export function stimecmpTicks(r: Int32Array): number {
  return (r[STIMECMP + 1]! >>> 0) * TWO32 + (r[STIMECMP]! >>> 0);
}

/** Sstc drives STIP (menvcfg.STCE): STIP is then time >= stimecmp, and software cannot write it. */
export function sstcOn(r: Int32Array): boolean {
  return (r[MENVCFG + 1]! & STCE_HIGH) !== 0;
}

/** mip as software reads it: the written bits, the pins, and Sstc's comparator driving STIP. */
export function mipOf(h: SystemHart): number {
  const r = h.state.r;
  const mip = r[MIP]! | r[PINS]!;
  if (!sstcOn(r)) return mip;
  return (mip & ~STIP) | (h.timeTicks() >= stimecmpTicks(r) ? STIP : 0);
}

/**
 * The time (ticks) at which Sstc's comparator raises STIP, when that can matter (STIE set), else
 * Infinity: the hart cuts its runs there, and a machine waiting for WFI wakes there.
 */
export function timerDeadline(h: SystemHart): number {
  const r = h.state.r;
  return sstcOn(r) && (r[MIE_WORD]! & STIP) !== 0 ? stimecmpTicks(r) : Number.POSITIVE_INFINITY;
}

/**
 * The interrupt to take now, or -1: pending and enabled in mie, and for its target mode (M unless
 * mideleg delegates it to S) globally enabled — always from a lower mode, by MIE/SIE in that mode.
 * Interrupts for M come before those for S, each in the spec's priority order.
 */
export function pendingInterrupt(h: SystemHart): number {
  const r = h.state.r;
  const enabled = r[MIE_WORD]!;
  if (enabled === 0) return -1;
  const pending = mipOf(h) & enabled;
  if (pending === 0) return -1;
  const priv = h.priv;
  const status = r[MSTATUS]!;
  const deleg = r[MIDELEG]!;
  const toM = priv < PRIV_M || (status & MIE) !== 0 ? pending & ~deleg : 0;
  if (toM !== 0) return highest(toM);
  const toS = priv < PRIV_S || (priv === PRIV_S && (status & SIE) !== 0) ? pending & deleg : 0;
  return toS !== 0 ? highest(toS) : -1;
}

function highest(bits: number): number {
  for (const code of PRIORITY) if (bits & (1 << code)) return code;
  return -1;
}

/** WFI waits while no interrupt is both pending and enabled in mie (global enables do not matter). */
export function waiting(h: SystemHart): boolean {
  return (mipOf(h) & h.state.r[MIE_WORD]! & ALL_IRQS) === 0;
}

/** Record interrupt `code` as the trap to take (cause, tval 0). */
export function recordInterrupt(h: SystemHart, code: number): void {
  const r = h.state.r;
  r[CAUSE] = (Cause.INTERRUPT + code) | 0;
  r[TVAL] = 0;
  r[TVAL + 1] = 0;
}

/**
 * Take a trap ("Trap entry"): cause (Cause.INTERRUPT + code for an interrupt) and tval (hi:lo), the
 * epc being state pc. It goes to S when the hart is in S or U and medeleg/mideleg delegate it, else
 * to M: xepc, xcause, xtval written, xPIE := xIE, xIE := 0, xPP := the mode it came from, pc :=
 * xtvec (BASE + 4 * code for an interrupt when vectored).
 */
export function takeTrap(h: SystemHart, cause: number, tvalLo: number, tvalHi: number): void {
  const r = h.state.r;
  const interrupt = cause >= Cause.INTERRUPT;
  const code = interrupt ? cause - Cause.INTERRUPT : cause;
  const from = h.priv;
  const deleg = interrupt ? r[MIDELEG]! : r[MEDELEG]!;
  if (!interrupt && code >= Cause.ECALL_U && code <= Cause.ECALL_M) {
    // the engines count ECALL as retired (user-mode Linux completes it); as a trap it is not
    // ("Environment Call and Breakpoint"): minstret leaves it out
    h.state.fd[MINSTRET_AT >> 1]! += 1;
  }
  const status = r[MSTATUS]!;
  const toS = from <= PRIV_S && code < 32 && ((deleg >>> code) & 1) === 1;
  // each S trap CSR is two words after its M twin (state.ts): mtvec/stvec, mepc/sepc, ...
  const d = toS ? 2 : 0;
  const epc = MEPC + d;
  const xcause = MCAUSE + d;
  const xtval = MTVAL + d;
  const tvec = MTVEC + d;
  r[epc] = r[PC]!;
  r[epc + 1] = r[PC + 1]!;
  r[xcause] = code;
  r[xcause + 1] = interrupt ? 1 << 31 : 0;
  r[xtval] = tvalLo;
  r[xtval + 1] = tvalHi;
  if (toS) {
    let s = status & ~(SPIE | SIE | SPP);
    if (status & SIE) s |= SPIE;
    if (from === PRIV_S) s |= SPP;
    r[MSTATUS] = s;
    h.priv = PRIV_S;
  } else {
    let s = status & ~(MPIE | MIE | MPP);
    if (status & MIE) s |= MPIE;
    r[MSTATUS] = s | (from << MPP_SHIFT);
    h.priv = PRIV_M;
  }
  const base = (r[tvec]! & ~3) >>> 0;
  const offset = interrupt && (r[tvec]! & 3) === 1 ? 4 * code : 0;
  r[PC] = (base + offset) | 0;
  r[PC + 1] = (r[tvec + 1]! + (base + offset >= TWO32 ? 1 : 0)) | 0;
  h.translationChanged();
}

/** After an instruction that may have made an interrupt takeable, at pc (state) already set. */
function interruptOr(h: SystemHart, otherwise: number): number {
  const irq = pendingInterrupt(h);
  if (irq < 0) return otherwise;
  recordInterrupt(h, irq);
  h.rareStop = Stop.FAULT;
  return Rare.STOP;
}

function setPc(r: Int32Array, pc: number): void {
  r[PC] = (pc % TWO32) | 0;
  r[PC + 1] = Math.floor(pc / TWO32) | 0;
}

/** CSRs whose writes can move Sstc's deadline: stimecmp, menvcfg (STCE), mie, sie (STIE). */
const TIMER_CSRS = new Set([0x14d, 0x30a, 0x304, 0x104]);

/**
 * After a write to privileged CSR `num` by the instruction at pc (4 bytes): translation may have
 * changed (satp, mstatus, PMP), an interrupt may be takeable, the FP unit may have been switched on
 * or off (the interpreter runs FP loads and stores inline only while it is on), Sstc's deadline may
 * have moved (Hart.run cuts runs there).
 */
export function afterCsrWrite(h: SystemHart, num: number, pc: number, fsBefore: number): number {
  const r = h.state.r;
  setPc(r, pc + 4);
  const again =
    (r[MSTATUS]! & FS) !== fsBefore || (TIMER_CSRS.has(num) && timerDeadline(h) !== Number.POSITIVE_INFINITY);
  h.rareStop = STOP_RECHECK;
  return interruptOr(h, again ? Rare.STOP : Rare.JUMP);
}

/** Return from a trap to mode `to` at xepc; MPRV is cleared when leaving M (1.12, "MRET"). */
function returnTo(h: SystemHart, to: number, epc: number, status: number): number {
  const r = h.state.r;
  r[MSTATUS] = to === PRIV_M ? status : status & ~MPRV;
  r[PC] = r[epc]!;
  r[PC + 1] = r[epc + 1]!;
  // An xRET may clear the LR reservation (privileged spec, "Trap-Return Instructions"); it does, as
  // Linux's return to user mode does by hand, so no SC pairs with an LR from before the trap.
  r[RES_VALID] = 0;
  h.priv = to;
  h.translationChanged();
  return interruptOr(h, Rare.JUMP);
}

/** MRET: M only. MIE := MPIE, MPIE := 1, MPP := U; to the mode MPP held, at mepc. */
export function mret(h: SystemHart, _rs1: number, _rs2: number, pc: number): number {
  if (h.priv !== PRIV_M) return h.illegal(pc);
  const status = h.state.r[MSTATUS]!;
  const to = (status & MPP) >>> MPP_SHIFT;
  let s = (status & ~(MIE | MPP)) | MPIE;
  if (status & MPIE) s |= MIE;
  return returnTo(h, to, MEPC, s);
}

/** SRET: S (unless mstatus.TSR) or M. SIE := SPIE, SPIE := 1, SPP := U; to SPP's mode, at sepc. */
export function sret(h: SystemHart, _rs1: number, _rs2: number, pc: number): number {
  const r = h.state.r;
  const status = r[MSTATUS]!;
  if (h.priv === PRIV_U || (h.priv === PRIV_S && (status & TSR) !== 0)) return h.illegal(pc);
  const to = status & SPP ? PRIV_S : PRIV_U;
  let s = (status & ~(SIE | SPP)) | SPIE;
  if (status & SPIE) s |= SIE;
  return returnTo(h, to, SEPC, s);
}

/**
 * WFI: the hart may wait until an interrupt is pending. Illegal in U (S exists), and in S with
 * mstatus.TW (the "bounded time limit" is zero here). It retires; when there is something to wait
 * for, the run ends there (Hart.wfi); when an interrupt is pending in mie but masked, it completes
 * at once and the run ends too (STOP_WFI_SPIN), so a machine can run its other harts meanwhile.
 */
export function wfi(h: SystemHart, _rs1: number, _rs2: number, pc: number): number {
  const r = h.state.r;
  if (h.priv === PRIV_U || (h.priv === PRIV_S && (r[MSTATUS]! & TW) !== 0)) return h.illegal(pc);
  const wait = waiting(h);
  if (!wait && pendingInterrupt(h) >= 0) return Rare.NEXT;
  setPc(r, pc + 4);
  // pending in mie but masked: it completes, and the run ends there (STOP_WFI_SPIN says why)
  h.rareStop = wait ? STOP_WFI : STOP_WFI_SPIN;
  return Rare.STOP;
}

/**
 * SFENCE.VMA rs1, rs2: S (unless mstatus.TVM) or M. Drops this hart's translations of rs1's page, or
 * all with rs1 = x0; the ASID in rs2 is not looked at (dropping more is allowed). Execution goes on
 * translated anew (the current page's mapping may be what changed).
 */
export function sfenceVma(h: SystemHart, rs1: number, _rs2: number, pc: number): number {
  const r = h.state.r;
  if (h.priv === PRIV_U || (h.priv === PRIV_S && (r[MSTATUS]! & TVM) !== 0)) return h.illegal(pc);
  if (rs1 === 0) h.fenceTranslations();
  else h.fenceTranslations(r[2 * rs1 + 1]! * 0x100000 + (r[2 * rs1]! >>> 12));
  setPc(r, pc + 4);
  return Rare.JUMP;
}
