// One RV64GC hart: its state, its translation step (mmu.ts), and the engines that run it — the
// interpreter generated from the semantics (interpreter.ts) and, for hot code, the block compiler
// (jit/). Traps leave `run` as a stop code with cause and tval in the state; the environment (user-
// mode Linux, the full system) decides what they mean. Probes are marks on decoded instructions
// (ARCHITECTURE.md decision 4): the hart calls its ProbeSink before a probed instruction executes.
//
// The privileged architecture (privileged/): the privilege mode and the M and S CSRs live in the
// state buffer; a trap leaves `run` like any other and the environment takes it with `takeTrap`
// (user-mode Linux instead turns it into a syscall or a signal); interrupts are checked at the start
// of each run and after the instructions that can make one takeable (privileged/traps.ts says why
// that is exact), and leave the run as a trap (Stop.FAULT with an interrupt cause).

import { writesIntRd } from "../isa/classes.js";
import { decode, newDecoded } from "../isa/decode.js";
import { Op } from "../isa/ops.js";
import { type CsrHart, TIMEBASE_NS } from "./csr.js";
import { CODE_STRIDE, CODE_VERSION, markProbe, OP_PROBE, opOf, packEntry } from "./decoded.js";
import { type InterpretFn, interpreter } from "./interpreter.js";
import { WarmUp, warmUpInterpreter, warmUpOps } from "./interpreter-warm-up.js";
import { HartJit, type JitOptions } from "./jit/hart-jit.js";
import { ACCESS_EXEC, type GuestMemory } from "./memory.js";
import { Mmu } from "./mmu.js";
import { PAGE_MASK, PAGE_SIZE } from "./page.js";
import { FS, PRIV_M } from "./privileged/fields.js";
import { Rare, STOP_RECHECK, STOP_WFI, STOP_WFI_SPIN } from "./privileged/system-hart.js";
import { pendingInterrupt, recordInterrupt, takeTrap, timerDeadline, waiting } from "./privileged/traps.js";
import type { HartView, ProbeSink } from "./probe-sink.js";
import { executeRare, type RareHart } from "./rare.js";
import {
  CAUSE,
  F,
  HartState,
  MCYCLE_AT,
  MIE,
  MINSTRET_AT,
  MSTATUS,
  PC,
  PINS,
  PRIV,
  RES_VALID,
  STATE_WORDS,
  STIMECMP,
  TVAL,
  X_SINK,
} from "./state.js";
import { Cause, Irq, Stop, type StopCode } from "./stop.js";
import { placeState, releaseState } from "./wasm/area.js";

export { Cause, Irq, Stop };

const TWO32 = 4294967296;
/**
 * Instructions the interpreter alone runs per call: the run is cut into calls this long. One long
 * call leaves V8 to optimize the interpreter's loop on the stack (OSR), which for this one large
 * function compiled worse code and more of it — nbody with --jit off and a lone thread's 640k
 * budget: 1.04 -> 1.40 s CPU, 77 -> 100 MB peak.
 */
const INTERPRET_SLICE = 10_000;

export interface HartOptions {
  /** the hart's id: its thread id in user mode, its hartid in the full system */
  id?: number;
  /** compile hot code (with these thresholds); false: interpret everything. Default: compile. */
  jit?: Partial<JitOptions> | false;
  /** who is called at probed instructions */
  probes?: ProbeSink;
  /** the platform timer in `time` ticks; default: this hart's retired instructions at 1 ns each */
  time?: (hart: Hart) => number;
}

export class Hart implements RareHart, CsrHart {
  readonly id: number;
  readonly state: HartState;
  readonly mem: GuestMemory;
  readonly mmu: Mmu;
  /** instructions retired by this hart, in total; exact at every stop and inside probe hooks */
  // (a double from the start, -0 not being a small integer: V8 would store it as one, and throw
  // the optimized code adding to it away when it passed 2^31)
  retired = -0;
  /** who is called at probed instructions */
  probes: ProbeSink | undefined;
  /** what the last probe hook threw (Stop.PROBE), undefined when its sink asked to stop */
  hookError: unknown = undefined;
  /** after Stop.PROBE: the pc whose probe the next run does not fire again */
  skipProbeAt = -1;
  /** the block compiler running this hart's hot code; undefined: every instruction is interpreted */
  readonly jit: HartJit | undefined;
  /** host offset of the hart's area in guest RAM's memory holding its state (wasm engine), or -1 */
  area: number;
  /** the stop a rare instruction ended the run with (Rare.STOP) */
  rareStop = 0;
  /** an interrupt pin rose since the last check (set by setInterruptPin, seen after device accesses) */
  pinRaised = false;
  /**
   * The last run ended early at a WFI (retired, pc after it) with no interrupt pending and enabled:
   * a machine may let time pass while `waiting()` (until an event or `timerDeadline()`). Running the
   * hart anyway is correct (WFI may complete at any time), only busy.
   */
  wfi = false;
  /**
   * WFIs that completed at once with an interrupt pending but masked (STOP_WFI_SPIN): each ends a
   * run early, and the next run returns at once (so a machine's run step returns too); a machine
   * with other harts to run ends this one's turn when the count moves.
   */
  wfiSpins = 0;
  private yieldRun = false;

  private readonly time: ((hart: Hart) => number) | undefined;
  private readonly decoded = newDecoded();
  private readonly interpretFn = interpreter(executeRare);
  /** the interpreter for mstatus.FS = Off (made when first needed) */
  private interpretFpOffFn: InterpretFn | undefined;
  private readonly observer: Observer;

  constructor(state: HartState, mem: GuestMemory, options: HartOptions = {}) {
    this.id = options.id ?? 0;
    this.state = state;
    this.mem = mem;
    // compiled code reads the state where it runs: in guest RAM's memory (wasm/area.ts). A hart
    // whose state cannot go there (the engine zone is full: ram.ts ENGINE_ZONE / ENGINE_AREA, about
    // 390 harts; or the memory is not made by reserveRam) runs the interpreter alone: exact, slower.
    const jit = options.jit;
    this.area = jit !== false ? placeState(state, mem) : -1;
    this.mmu = new Mmu(mem, state.r);
    this.probes = options.probes;
    this.time = options.time;
    this.observer = new Observer(this);
    this.jit = jit === false || this.area < 0 ? undefined : new HartJit(this, jit ?? {});
  }

  /** privilege mode: 0 user, 1 supervisor, 3 machine (in the state, so snapshots carry it) */
  get priv(): number {
    return this.state.r[PRIV]!;
  }
  set priv(mode: number) {
    this.state.r[PRIV] = mode;
  }

  /**
   * The cause and tval of the last trap (Stop.FAULT, EBREAK, ECALL); its epc is state.pc.
   * An interrupt's cause is Cause.INTERRUPT + its code.
   */
  get cause(): number {
    return this.state.r[CAUSE]! >>> 0;
  }
  get tval(): number {
    const r = this.state.r;
    return r[TVAL + 1]! * TWO32 + (r[TVAL]! >>> 0);
  }

  clearReservation(): void {
    this.state.r[RES_VALID] = 0;
  }

  /**
   * Execute up to `budget` instructions; returns why it stopped. An interrupt to take stops it
   * (Stop.FAULT, an interrupt cause), before any instruction when one is takeable already. A WFI
   * with nothing pending ends it early (Stop.BUDGET with `wfi` set).
   */
  run(budget: number): StopCode {
    this.pinRaised = false;
    this.wfi = false;
    if (this.yieldRun) {
      this.yieldRun = false;
      return Stop.BUDGET;
    }
    const end = this.retired + budget;
    for (;;) {
      let cap = end - this.retired;
      if (cap <= 0) return Stop.BUDGET;
      if (this.state.r[MIE] !== 0) {
        // Interrupts are enabled: take one now, or run no further than the Sstc timer's deadline.
        // Checking here and after the instructions that can make one takeable (CSR writes, xRET,
        // device accesses: the interpreter runs all of them, compiled code none) is exact: pins
        // change only at events, which the machine cuts runs at, or in those device accesses.
        const irq = pendingInterrupt(this);
        if (irq >= 0) {
          recordInterrupt(this, irq);
          return Stop.FAULT;
        }
        const deadline = timerDeadline(this);
        if (deadline !== Number.POSITIVE_INFINITY) {
          // time is retired ns / TIMEBASE_NS: this many instructions cannot pass the deadline
          const ticks = this.timeTicks();
          if (deadline > ticks) cap = Math.min(cap, (deadline - ticks - 1) * TIMEBASE_NS + 1);
        }
      }
      const jit = this.jit;
      let stop: number;
      if (jit !== undefined && jit.cache.interpretedFirst[0]! >= jit.options.interpretFirst)
        stop = jit.run(cap);
      else {
        const before = this.retired;
        stop = this.interpret(Math.min(cap, INTERPRET_SLICE));
        if (jit !== undefined) jit.cache.interpretedFirst[0]! += this.retired - before;
      }
      if (stop === STOP_WFI) {
        this.wfi = true;
        return Stop.BUDGET;
      }
      if (stop === STOP_WFI_SPIN) {
        this.wfiSpins++;
        this.yieldRun = true;
        return Stop.BUDGET;
      }
      // BUDGET at a timer cap, or a CSR write that moved the timer's deadline or switched the FP
      // unit (another interpreter): set up again and run on
      if (stop !== Stop.BUDGET && stop !== STOP_RECHECK) return stop as StopCode;
    }
  }

  /**
   * `run` one instruction at a time: the reference, and the block compiler's fallback. Returns a
   * StopCode, or one of the internal codes `run` handles (STOP_WFI, STOP_RECHECK).
   */
  interpret(budget: number): number {
    const fpOff = (this.state.r[MSTATUS]! & FS) === 0;
    const fn = fpOff ? this.fpOffInterpreter() : this.interpretFn;
    if (this.jit !== undefined && warmed[fpOff ? 1 : 0]! < 1 + restDecoded[0]!) warmUp(fn, fpOff);
    return fn(this, budget);
  }

  private fpOffInterpreter(): InterpretFn {
    this.interpretFpOffFn ??= interpreter(executeRare, true);
    return this.interpretFpOffFn;
  }

  // ---- the privileged architecture (privileged/) ----

  /**
   * Take the trap the hart stopped at (by default the recorded cause and tval; epc = state pc):
   * to M, or to S when delegated, as the Privileged ISA's "Trap entry" says. The full system's
   * environment calls this for every trap stop (FAULT, exceptions and interrupts; ECALL; EBREAK).
   */
  takeTrap(cause: number = this.cause, tval: number = this.tval): void {
    const hi = Math.floor(tval / TWO32);
    takeTrap(this, cause, (tval - hi * TWO32) | 0, hi | 0);
  }

  /**
   * Reset as the full system's harts come out of reset (Privileged ISA, "Reset"): M-mode at pc,
   * interrupts off, MPRV = 0, satp bare, PMP entries off, the FP unit off, counters at 0.
   */
  reset(pc: number): void {
    const r = this.state.r;
    const pins = r[PINS]!;
    r.fill(0, PRIV, STATE_WORDS);
    r[PINS] = pins;
    r[STIMECMP] = -1;
    r[STIMECMP + 1] = -1;
    this.state.fd[MCYCLE_AT >> 1] = this.retired;
    this.state.fd[MINSTRET_AT >> 1] = this.retired;
    r[RES_VALID] = 0;
    this.priv = PRIV_M;
    this.state.pc = pc;
    this.translationChanged(true);
  }

  /** Interrupt input `bit` (an Irq code: MSI, MTI, MEI from the CLINT and PLIC; SEI) is at `level`. */
  setInterruptPin(bit: number, level: boolean): void {
    const r = this.state.r;
    const old = r[PINS]!;
    r[PINS] = level ? old | (1 << bit) : old & ~(1 << bit);
    if (level && (old & (1 << bit)) === 0) this.pinRaised = true;
  }

  /** The interrupt this hart would take now (an Irq code), or -1. */
  pendingInterrupt(): number {
    return pendingInterrupt(this);
  }

  /** WFI's condition: no interrupt is both pending and enabled (mie). A machine lets time pass. */
  waiting(): boolean {
    return waiting(this);
  }

  /** When Sstc's timer fires (in `time` ticks) if that can wake or interrupt the hart; else Infinity. */
  timerDeadline(): number {
    return timerDeadline(this);
  }

  /** Re-read everything derived from the state (after a snapshot is copied into it). */
  stateChanged(): void {
    this.mmu.contextChanged(true);
    this.mmu.flush();
    this.jit?.flush();
  }

  translationChanged(pmp = false): void {
    if (!this.mmu.contextChanged(pmp)) return;
    this.jit?.flush();
    this.probes?.translationChanged?.();
  }

  fenceTranslations(vpn?: number): void {
    if (this.mmu.fence(vpn)) this.jit?.flush();
    else this.jit?.flush(vpn);
    this.probes?.translationChanged?.();
  }

  /** A pin rose during a device access: true (the interrupt recorded) when one is takeable now. */
  interruptDue(): boolean {
    this.pinRaised = false;
    const irq = pendingInterrupt(this);
    if (irq < 0) return false;
    recordInterrupt(this, irq);
    return true;
  }

  /** A read-only view of this hart, valid until it runs again (trap and syscall hooks). */
  view(): HartView {
    return this.observer;
  }

  timeTicks(): number {
    return this.time?.(this) ?? Math.floor(this.retired / TIMEBASE_NS);
  }

  /** The hart is gone (its thread exited): its TLBs stop listening to the memory. */
  detach(): void {
    this.mmu.detach();
    this.jit?.detach();
    releaseState(this.state, this.mem, this.area);
    this.area = -1;
  }

  // ---- called by the interpreter ----

  /**
   * Call the probe sink for the instruction at pc; false when the hart stops before it (Stop.PROBE):
   * the sink asked to (hookError undefined) or threw (hookError set).
   */
  fireProbe(pc: number): boolean {
    if (this.probes === undefined) return true;
    try {
      if (this.probes.instruction(this.observer)) return true;
      this.probeStopped(pc, undefined);
    } catch (e) {
      this.probeStopped(pc, e);
    }
    return false;
  }

  /**
   * The hart stops before the probed instruction at pc (Stop.PROBE): its sink asked to (error
   * undefined) or threw `error`. The next run executes it without firing the probe again.
   */
  probeStopped(pc: number, error: unknown): void {
    this.hookError = error;
    this.skipProbeAt = pc;
  }

  /** Record an illegal-instruction trap at pc (tval = its bits); returns Rare.TRAP. */
  illegal(pc: number): number {
    const raw = this.rawAt(pc);
    this.mmu.trap(Cause.ILLEGAL_INSTRUCTION, raw, 0);
    return Rare.TRAP;
  }

  /** Decode the instruction at pc into entry e of page; returns w0, or 0 after a trap. */
  decodeInto(page: Int32Array, e: number, host: number, off: number, pc: number): number {
    const view = this.mem.view;
    let raw = view.getUint16(host + off, true);
    let second = -1;
    if ((raw & 3) === 3) {
      if (off <= PAGE_SIZE - 4) raw = view.getInt32(host + off, true);
      else {
        // A 32-bit instruction across a page boundary (16-bit alignment, C extension).
        second = this.mmu.fetchPage(pc + 2);
        if (second < 0) return 0;
        raw = raw | (view.getUint16(second, true) << 16) | 0;
        this.mem.code.codePage(second);
      }
    }
    const d = this.decoded;
    decode(raw, d);
    restDecoded[0] |= REST_OP[d.op]!;
    if (d.op === Op.ILLEGAL) {
      this.mmu.trap(Cause.ILLEGAL_INSTRUCTION, d.len === 2 ? raw & 0xffff : raw, 0);
      return 0;
    }
    // rd = x0 writes go to the sink, so no instruction needs a check for x0
    const rd = d.rd === 0 && writesIntRd(d.op) ? X_SINK : d.rd;
    const w0 = packEntry(d.op, rd, d.rs1, d.rs2, d.rs3, d.len);
    page[e] = w0;
    page[e + 1] = d.imm;
    page[e + 2] = d.rm;
    if (second >= 0) this.mem.code.noteCrossPageInstruction(page, e, second, Math.floor(pc / PAGE_SIZE));
    if (this.mem.code.probes.size !== 0 && this.mem.code.probes.has(host + off)) return markProbe(page, e);
    return w0;
  }

  /** The instruction bits at pc, for tval (0 when they cannot be read). */
  private rawAt(pc: number): number {
    const h = this.mmu.translate(pc | 0, Math.floor(pc / TWO32) | 0, ACCESS_EXEC, true);
    if (h < 0) return 0;
    const off = (pc | 0) & PAGE_MASK;
    const half = this.mem.view.getUint16(h + off, true);
    if ((half & 3) !== 3 || off > PAGE_SIZE - 4) return half;
    return this.mem.view.getInt32(h + off, true);
  }

  // ---- probes (ARCHITECTURE.md decision 4) ----

  /**
   * Probe the instruction at virtual address va (on) or stop probing it. The guest's memory is
   * untouched, so any instruction can be probed (LR/SC sequences, EBREAK, SYSTEM) and the guest reads
   * its own text unchanged; only va's decoded page changes (and its version word, so code compiled
   * from it is dropped). Probes are kept by host offset in the memory, so every hart on it sees them.
   * False when va is not mapped executable or not 2-byte aligned.
   */
  setProbe(va: number, on: boolean): boolean {
    if (va % 2 !== 0) return false;
    const host = this.mmu.translate(va | 0, Math.floor(va / TWO32) | 0, ACCESS_EXEC);
    if (host < 0) return false;
    const off = va - Math.floor(va / PAGE_SIZE) * PAGE_SIZE;
    if (on) this.mem.code.probes.add(host + off);
    else this.mem.code.probes.delete(host + off);
    const page = this.mem.code.codePage(host);
    const e = off * (CODE_STRIDE / 2);
    const w0 = page[e]!;
    if (w0 !== 0 && (opOf(w0) === OP_PROBE) !== on) {
      if (on) markProbe(page, e);
      else page[e] = page[e + 3]!;
    }
    page[CODE_VERSION]++;
    this.mem.code.changes[0]!++;
    return true;
  }
}

/**
 * The interpreters' warm-ups done: for the interpreter (0) and the one for mstatus.FS = Off (1),
 * 0 none, 1 RV64IM's ops and FP loads and stores, 2 the rest too (interpreter-warm-up.ts says why).
 * Under the block compiler, whose interpreter runs cold code, the first part comes at its first
 * call: every program meets those ops, but one at a time, and each first meeting after V8 had
 * optimized it threw that code away (lz: four TurboFan compiles of 30-48 ms). The rest (Zba, Zbb,
 * fence.i) comes when a decoded instruction first needs it (`restDecoded`): Debian's rv64gc
 * programs and hartscope's guests never do, and warming those cases made V8's every compile of the
 * interpreter larger (sha256: 61 -> 130 ms, peak memory +10 MB; zstd's 137 -> 70 ms without them).
 * The interpreter alone (--jit off), which runs the hot loops, is never warmed up.
 */
const warmed = new Int32Array(2);

/** 1 once this process decoded an op of the warm-up's rest (a one-word array: see `warmed`) */
const restDecoded = new Int32Array(1);

/** by op: 1 for the ops of the warm-up's rest, either interpreter's */
const REST_OP = new Uint8Array(OP_PROBE + 1);
for (const fpOff of [false, true]) for (const op of warmUpOps(fpOff, WarmUp.REST)) REST_OP[op] = 1;

/** The warm-ups done of the interpreter for `fpOff` (`warmed`), for tests. */
export const warmUpsDone = (fpOff: boolean): number => warmed[fpOff ? 1 : 0]!;

/** A hart of this class on `mem` that runs the interpreter alone (the warm-up's scratch hart). */
export const newScratchHart = (mem: GuestMemory): Hart => new Hart(new HartState(), mem, { jit: false });

/** Warm `fn` up for RV64IM's ops, and for the rest once an instruction needing it was decoded. */
function warmUp(fn: InterpretFn, fpOff: boolean): void {
  const k = fpOff ? 1 : 0;
  if (warmed[k] === 0) {
    warmed[k] = 1;
    warmUpInterpreter(fn, fpOff, newScratchHart, WarmUp.BASE);
  }
  if (warmed[k] === 1 && restDecoded[0] === 1) {
    warmed[k] = 2;
    warmUpInterpreter(fn, fpOff, newScratchHart, WarmUp.REST);
  }
}

/** The read-only view hooks get: reads only, through the MMU's side-effect-free peek. */
class Observer implements HartView {
  constructor(private readonly hart: Hart) {}

  get id(): number {
    return this.hart.id;
  }
  get pc(): number {
    return this.hart.state.pc;
  }
  get retired(): number {
    return this.hart.retired;
  }
  x(i: number): bigint {
    if (i === 0) return 0n;
    return BigInt.asUintN(64, this.hart.state.getXBig(i));
  }
  xNumber(i: number): number {
    return i === 0 ? 0 : this.hart.state.getX(i);
  }
  f(i: number): bigint {
    const r = this.hart.state.r;
    return (BigInt(r[F + 2 * i + 1]! >>> 0) << 32n) | BigInt(r[F + 2 * i]! >>> 0);
  }
  read(va: number, length: number): Uint8Array | undefined {
    return this.hart.mmu.peek(va, length);
  }
}

export { HartState, PC };
