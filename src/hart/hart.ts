// One RV64GC hart: its state, its translation step (mmu.ts), and the engines that run it — the
// interpreter generated from the semantics (interpreter.ts) and, for hot code, the block compiler
// (jit/). Traps leave `run` as a stop code with cause and tval in the state; the environment (user-
// mode Linux, the full system) decides what they mean. Probes are marks on decoded instructions
// (ARCHITECTURE.md decision 4): the hart calls its ProbeSink before a probed instruction executes.

import { writesIntRd } from "../isa/classes.js";
import { decode, newDecoded } from "../isa/decode.js";
import { Op } from "../isa/ops.js";
import { type CsrHart, TIMEBASE_NS } from "./csr.js";
import { CODE_STRIDE, CODE_VERSION, markProbe, OP_PROBE, opOf, packEntry } from "./decoded.js";
import { interpreter } from "./interpreter.js";
import { HartJit, type JitOptions } from "./jit/hart-jit.js";
import { ACCESS_EXEC, type GuestMemory } from "./memory.js";
import { Mmu } from "./mmu.js";
import { PAGE_MASK, PAGE_SIZE } from "./page.js";
import type { HartView, ProbeSink } from "./probe-sink.js";
import { executeRare, type RareHart } from "./rare.js";
import { CAUSE, F, HartState, PC, RES_VALID, TVAL, X_SINK } from "./state.js";
import { Cause, Stop, type StopCode } from "./stop.js";

export { Cause, Stop };

const TWO32 = 4294967296;

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
  retired = 0;
  /** privilege mode: 0 user, 1 supervisor, 3 machine */
  priv = 0;
  /** who is called at probed instructions */
  probes: ProbeSink | undefined;
  /** what the last probe hook threw (Stop.HOOK_ERROR) */
  hookError: unknown = undefined;
  /** after Stop.HOOK_ERROR: the pc whose probe the next run does not fire again */
  skipProbeAt = -1;
  /** the block compiler running this hart's hot code; undefined: every instruction is interpreted */
  readonly jit: HartJit | undefined;

  private readonly time: ((hart: Hart) => number) | undefined;
  private readonly decoded = newDecoded();
  private readonly interpretFn = interpreter(executeRare);
  private readonly observer: Observer;

  constructor(state: HartState, mem: GuestMemory, options: HartOptions = {}) {
    this.id = options.id ?? 0;
    this.state = state;
    this.mem = mem;
    this.mmu = new Mmu(mem, state.r);
    this.probes = options.probes;
    this.time = options.time;
    this.observer = new Observer(this);
    this.jit = options.jit === false ? undefined : new HartJit(this, options.jit ?? {});
  }

  /** the cause and tval of the last trap (Stop.FAULT, EBREAK, ECALL); its epc is state.pc */
  get cause(): number {
    return this.state.r[CAUSE]!;
  }
  get tval(): number {
    const r = this.state.r;
    return r[TVAL + 1]! * TWO32 + (r[TVAL]! >>> 0);
  }

  clearReservation(): void {
    this.state.r[RES_VALID] = 0;
  }

  /** Execute up to `budget` instructions; returns why it stopped. */
  run(budget: number): StopCode {
    if (this.jit !== undefined) return this.jit.run(budget) as StopCode;
    return this.interpret(budget);
  }

  /** `run` one instruction at a time: the reference, and the block compiler's fallback. */
  interpret(budget: number): StopCode {
    return this.interpretFn(this, budget) as StopCode;
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
  }

  // ---- called by the interpreter ----

  /** Call the probe sink for the instruction at pc; false (and hookError set) when it threw. */
  fireProbe(pc: number): boolean {
    if (this.probes === undefined) return true;
    try {
      this.probes.instruction(this.observer);
      return true;
    } catch (e) {
      this.hookError = e;
      this.skipProbeAt = pc;
      return false;
    }
  }

  /** Record an illegal-instruction trap at pc (tval = its bits); returns false. */
  illegal(pc: number): boolean {
    const raw = this.rawAt(pc);
    this.mmu.trap(Cause.ILLEGAL_INSTRUCTION, raw, 0);
    return false;
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
    if (second >= 0) this.mem.code.noteCrossPageInstruction(page, e, second);
    if (this.mem.code.probes.size !== 0 && this.mem.code.probes.has(host + off)) return markProbe(page, e);
    return w0;
  }

  /** The instruction bits at pc, for tval (0 when they cannot be read). */
  private rawAt(pc: number): number {
    const h = this.mem.translate(pc | 0, Math.floor(pc / TWO32) | 0, ACCESS_EXEC, true);
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
    const host = this.mem.translate(va | 0, Math.floor(va / TWO32) | 0, ACCESS_EXEC);
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
    return true;
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
