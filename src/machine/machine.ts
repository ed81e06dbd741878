// A machine: its harts, the memory they run on, an event queue on virtual time, the probe seam,
// and one run step above both engines (interpreter and block compiler). The environment — user-mode
// Linux today, the trap vectors of a full system later — handles the traps the run step stops at.
//
// Virtual time (ARCHITECTURE.md decision 3): a fixed number of ns per instruction retired by any
// hart (1 by default; the full system chooses its rate), plus the spans the environment lets pass
// while no hart runs (every thread asleep). `now()` is exact at every hook, including inside a probe
// hook in the middle of a run: the running hart's retired count is exact there. A run is cut at the
// next event's deadline, and at the hart's Sstc deadline, so that both fire at their time.
//
// With `realtime`, time is the host's clock instead (monotonic ns since the machine was made): runs
// are cut into short slices so that events fire soon after their time, and idling sleeps.

import { TIMEBASE_NS } from "../hart/csr.js";
import { Hart } from "../hart/hart.js";
import type { JitOptions } from "../hart/jit/hart-jit.js";
import type { GuestMemory } from "../hart/memory.js";
import type { HartState } from "../hart/state.js";
import { Stop, type StopCode } from "../hart/stop.js";
import { EventQueue } from "./events.js";
import { type ProbeHost, Probes } from "./probes.js";

/** The stops that are traps: the environment handles them. */
export type TrapStop = typeof Stop.ECALL | typeof Stop.EBREAK | typeof Stop.FAULT;

/** What runs above the harts and takes their traps. */
export interface Environment {
  /**
   * The hart stopped at a trap (cause and tval in the hart, pc at the trapping instruction):
   * handle it as the platform does — a syscall or a signal in user-mode Linux, the trap vector in
   * a full system. The trap-return hooks fire when the hart next runs (it may block first).
   */
  trap(hart: Hart, stop: TrapStop): void;
}

export interface MachineOptions {
  /** the block compiler: false for the interpreter alone, or its tuning (default: on, default tuning) */
  jit?: Partial<JitOptions> | false;
  /** the `time` CSR in ticks, for every hart (default: machine time at TIMEBASE_NS per tick) */
  time?: (hart: Hart) => number;
  /** handles traps (default: none; runHart returns the trap to its caller) */
  env?: Environment;
  /** virtual ns per instruction retired (default 1) */
  nsPerInstruction?: number;
  /** time is the host's clock (ns since the machine was made), not virtual */
  realtime?: boolean;
}

/** Instructions per run slice with a host clock: events are looked at this often. */
const REALTIME_SLICE = 2000;
/** Longest sleep while idle with a host clock, so a caller gets control back (console input). */
const REALTIME_MAX_SLEEP_NS = 10_000_000;
let sleeper: Int32Array | undefined;

/** Block the thread for `ns` (idling on the host clock). */
function sleepNs(ns: number): void {
  sleeper ??= new Int32Array(new SharedArrayBuffer(4));
  Atomics.wait(sleeper, 0, 0, ns / 1e6);
}

export class Machine implements ProbeHost {
  readonly mem: GuestMemory;
  /** machine-wide events on machine time (ns) */
  readonly events = new EventQueue();
  readonly probes: Probes;
  readonly options: Readonly<MachineOptions>;
  env: Environment | undefined;

  private readonly list: Hart[] = [];
  /** instructions retired by harts in finished runs */
  // (-0: a double from the start, as counts pass 2^30 — see CodeCache.retired)
  private accounted = -0;
  /** ns that passed while no hart ran */
  private idled = 0;
  private running: Hart | undefined;
  private runStart = -0;
  private last: Hart | undefined;
  /** harts stopped at a trap that have not gone back to the guest yet */
  private readonly trapped = new Set<Hart>();
  private readonly time: (hart: Hart) => number;
  private readonly nsPerInstruction: number;
  readonly realtime: boolean;
  private readonly hostStart = performance.now();
  private lastHost = 0;

  constructor(mem: GuestMemory, options: MachineOptions = {}) {
    this.mem = mem;
    this.options = options;
    this.nsPerInstruction = options.nsPerInstruction ?? 1;
    this.realtime = options.realtime ?? false;
    this.env = options.env;
    this.probes = new Probes(this);
    this.time = options.time ?? (() => Math.floor(this.now() / TIMEBASE_NS));
  }

  /**
   * A new hart on this machine's memory (or on `mem`: another process's address space in user
   * mode), with its options and probes (a thread made by clone too).
   */
  addHart(state: HartState, id: number, mem: GuestMemory = this.mem): Hart {
    const hart = new Hart(state, mem, {
      id,
      jit: this.options.jit,
      probes: this.probes,
      time: this.time,
    });
    this.list.push(hart);
    this.probes.attach(hart);
    return hart;
  }

  /** The hart leaves the machine (its thread exited): it runs no more, its ticks stop. */
  removeHart(hart: Hart): void {
    const i = this.list.indexOf(hart);
    if (i < 0) return;
    this.list.splice(i, 1);
    hart.detach();
    this.probes.detach(hart);
    this.trapped.delete(hart);
    if (this.last === hart) this.last = undefined;
  }

  harts(): readonly Hart[] {
    return this.list;
  }

  /** The hart running now, or the one that ran last (undefined before any, and while idle). */
  current(): Hart | undefined {
    return this.running ?? this.last;
  }

  /** Instructions retired by every hart so far (exact inside hooks). */
  get retired(): number {
    const r = this.running;
    return this.accounted + (r === undefined ? 0 : r.retired - this.runStart);
  }

  /** Machine time in ns: instructions retired at nsPerInstruction each plus the idle spans (or the host's). */
  now(): number {
    if (this.realtime) {
      const t = Math.floor((performance.now() - this.hostStart) * 1e6);
      if (t > this.lastHost) this.lastHost = t;
      return this.lastHost;
    }
    return this.retired * this.nsPerInstruction + this.idled;
  }

  /** Instructions that cannot pass time t (ns) from now: at least 1 while t is ahead. */
  private instructionsUntil(t: number): number {
    const dt = t - this.now();
    if (dt <= 0) return 0;
    return this.realtime ? REALTIME_SLICE : Math.ceil(dt / this.nsPerInstruction);
  }

  /** Whether the hart stopped at a trap and has not gone back to the guest since. */
  inTrap(hart: Hart): boolean {
    return this.trapped.has(hart);
  }

  /**
   * Let machine time pass to `t` (ns) with no hart running (every thread asleep): events fire at
   * their own times on the way.
   */
  idleUntil(t: number): void {
    this.last = undefined;
    if (this.realtime) {
      const wait = Math.min(t - this.now(), REALTIME_MAX_SLEEP_NS);
      if (wait > 0) sleepNs(wait);
      this.events.runDue(this.now());
      return;
    }
    for (;;) {
      const next = this.events.next();
      if (next > t) break;
      const now = this.now();
      if (next > now) this.idled += next - now;
      this.events.runNext(this.now());
    }
    const now = this.now();
    if (t > now) this.idled += t - now;
  }

  /**
   * One run step: the hart goes back to the guest (trap-return hooks, if it left at a trap), runs
   * up to `budget` instructions, firing events as their time comes, and, when it stops at a trap,
   * the trap-entry hooks fire and the environment handles it. Returns the stop: BUDGET, the
   * trap (ECALL, EBREAK, FAULT) after the environment handled it, or PROBE where a hook asked to
   * stop (Probes.stop) before the probed instruction.
   */
  runHart(hart: Hart, budget: number): StopCode {
    if (this.running !== undefined) {
      throw new Error(`runHart(hart ${hart.id}) while hart ${this.running.id} runs (from a hook?)`);
    }
    if (this.trapped.size !== 0 && this.trapped.delete(hart)) this.probes.fireTrapReturn(hart);
    let left = budget;
    while (left > 0) {
      // cut the run at the next event, machine-wide or this hart's own
      let cap = left;
      const untilEvent = this.instructionsUntil(this.events.next());
      if (untilEvent < cap) cap = untilEvent;
      const deadline = hart.timerDeadline();
      if (deadline !== Number.POSITIVE_INFINITY) {
        // Sstc's comparator: the hart cuts its own runs at 1 ns per instruction; at more, here
        const untilTimer = this.instructionsUntil(deadline * TIMEBASE_NS);
        if (untilTimer > 0 && untilTimer < cap) cap = untilTimer;
      }
      const untilTick = this.probes.nextTick(hart) - hart.retired;
      if (untilTick < cap) cap = untilTick;
      if (cap <= 0) {
        this.last = hart;
        this.fireDue(hart);
        continue;
      }
      this.running = hart;
      this.runStart = hart.retired;
      let stop: StopCode;
      try {
        stop = hart.run(cap);
      } finally {
        this.accounted += hart.retired - this.runStart;
        this.running = undefined;
        this.last = hart;
      }
      const n = hart.retired - this.runStart;
      left -= n;
      this.fireDue(hart);
      switch (stop) {
        case Stop.BUDGET:
          // nothing could run, or the hart waits in WFI: the caller lets time pass or runs another
          if (n === 0 || hart.wfi) return stop;
          continue;
        case Stop.PROBE:
          // a hook asked to stop here (Probes.stop): the caller decides when the hart goes on
          if (hart.hookError === undefined) return stop;
          // a ProbeSink other than the machine's let a hook throw; the run goes on
          this.probes.recordHartError(hart, hart.hookError);
          continue;
        default:
          this.probes.fireTrapEntry(hart, hart.cause, hart.tval);
          this.trapped.add(hart);
          this.env?.trap(hart, stop);
          return stop;
      }
    }
    return Stop.BUDGET;
  }

  private fireDue(hart: Hart): void {
    if (this.events.size !== 0) this.events.runDue(this.now());
    this.probes.runTicks(hart);
  }
}
