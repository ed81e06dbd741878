// The probe seam of one machine: the hooks the tracer, gdb and tests register, and their
// dispatch. Every hook gets a read-only HartView (hart/probe-sink.ts), so no hook can change the
// guest; an exception from a hook is caught and kept as a value in `errors` (the tracer turns it
// into DTrace's ERROR probe), and the run goes on with the hart as it was.
//
// Instruction probes are marks on decoded instructions (ARCHITECTURE.md decision 4), set through
// `Hart.setProbe` and kept per memory, so every hart of the machine fires them, including harts
// added later (a thread made by clone). The other hooks are fired by the machine's run step
// (trap entry and return), by the environment (syscalls), and by event queues on virtual time
// (ticks). With nothing registered each costs a length check where it would fire.

import type { Hart } from "../hart/hart.js";
import type { HartView, ProbeSink, ProbeSite } from "../hart/probe-sink.js";
import { type EventHandle, EventQueue } from "./events.js";

export type InstructionHook = (view: HartView) => void;
export type TrapEntryHook = (view: HartView, cause: number, tval: number) => void;
export type TrapReturnHook = (view: HartView) => void;
/** args: a0..a5 as unsigned 64-bit values, as the registers hold them */
export type SyscallEntryHook = (view: HartView, nr: number, args: readonly bigint[]) => void;
/** result: the syscall's return value as a signed 64-bit value (-errno on failure) */
export type SyscallReturnHook = (view: HartView, nr: number, result: bigint) => void;
/** per hart, on the hart's own time */
export type TickHook = (view: HartView) => void;
/** machine-wide, on machine time: the view of the hart that was running, undefined while none ran */
export type TimerHook = (view: HartView | undefined) => void;

export type HookKind =
  | "instruction"
  | "trap-entry"
  | "trap-return"
  | "syscall-entry"
  | "syscall-return"
  | "tick"
  | "timer"
  | "translation";

/** A hook that threw: which one, where and when. */
export interface HookError {
  kind: HookKind;
  /** the registration, described: "instruction 0x10554", "tick 1000000 ns", "syscall-entry" */
  probe: string;
  /** the registration itself (undefined for an error a hart reported on its own) */
  hook: Registration | undefined;
  /** id of the hart it fired on (undefined for a timer while no hart ran) */
  hart: number | undefined;
  /** that hart's pc and retired count when the hook ran */
  pc: number | undefined;
  retired: number | undefined;
  /** machine time (ns) */
  time: number;
  /** what the hook threw */
  error: unknown;
}

/** What a registration returns: `remove()` unregisters the hook (also from inside the hook). */
export interface Registration {
  readonly active: boolean;
  remove(): void;
}

/** A probe that cannot be placed (an unmapped or odd address). */
export class ProbeError extends Error {
  override name = "ProbeError";
}

/** What the seam needs from its machine. */
export interface ProbeHost {
  /** machine-wide events on machine time */
  readonly events: EventQueue;
  /** machine time in ns, exact inside hooks */
  now(): number;
  /** the hart running now, or the one that ran last; undefined while none has run */
  current(): Hart | undefined;
  /** the machine's harts */
  harts(): Iterable<Hart>;
}

/** At most this many errors are kept; `errorCount` counts them all. */
export const MAX_KEPT_ERRORS = 10_000;

const A0 = 10;
const hex = (n: number) => `0x${n.toString(16)}`;

class Hook<F> implements Registration {
  active = true;
  constructor(
    readonly fn: F,
    readonly probe: string,
    private readonly onRemove: (h: Hook<F>) => void,
  ) {}
  remove(): void {
    if (!this.active) return;
    this.active = false;
    this.onRemove(this);
  }
}

/** A periodic hook on every hart's own time. */
class Tick extends Hook<TickHook> {
  readonly pending = new Map<Hart, EventHandle>();
  constructor(
    fn: TickHook,
    readonly interval: number,
    onRemove: (h: Hook<TickHook>) => void,
  ) {
    super(fn, `tick ${interval} ns`, onRemove);
  }
}

/**
 * The hooks of one probed address. Harts hold it (compiled code calls `fire` directly): it stays the
 * same object while the address is probed, and its hook list is replaced, never changed in place, so
 * that a hook added or removed by a hook does not disturb the loop running over the old list.
 */
class Site implements ProbeSite {
  hooks: Hook<InstructionHook>[] = [];
  constructor(
    readonly sink: Probes,
    readonly probe: string,
  ) {}

  fire(view: HartView): boolean {
    const hooks = this.hooks;
    const sink = this.sink;
    sink.stopAsked = false;
    for (let i = 0; i < hooks.length; i++) {
      const h = hooks[i]!;
      if (!h.active) continue;
      try {
        h.fn(view);
      } catch (e) {
        sink.instructionError(h, view, e);
      }
    }
    if (!sink.stopAsked) return true;
    sink.stopAsked = false;
    return false;
  }
}

/** Add or remove without disturbing a dispatch loop running over the old array. */
const without = <T>(list: readonly T[], x: T): T[] => list.filter((y) => y !== x);

export class Probes implements ProbeSink {
  /** errors of hooks, oldest first (at most MAX_KEPT_ERRORS) */
  readonly errors: HookError[] = [];
  /** every error, including those no longer kept */
  errorCount = 0;
  /** an instruction hook of the site firing now called stop() */
  stopAsked = false;

  private readonly byPc = new Map<number, Site>();
  private trapEntry: Hook<TrapEntryHook>[] = [];
  private trapReturn: Hook<TrapReturnHook>[] = [];
  private syscallEntry: Hook<SyscallEntryHook>[] = [];
  private syscallReturn: Hook<SyscallReturnHook>[] = [];
  private ticks: Tick[] = [];
  private errorListeners: ((e: HookError) => void)[] = [];
  private translation: Hook<() => void>[] = [];
  /** each hart's own clock: events at hart.retired (ns at 1 per instruction) */
  private readonly hartQueues = new Map<Hart, EventQueue>();

  constructor(private readonly host: ProbeHost) {}

  /** machine time in ns (exact inside hooks) */
  now(): number {
    return this.host.now();
  }

  // ---- registration ----

  /**
   * Run `hook` before each execution of the instruction at `va`, on every hart. Throws ProbeError
   * when va is not 2-byte aligned or not mapped executable (nothing is registered then).
   */
  onInstruction(va: number, hook: InstructionHook, markIn?: number): Registration {
    let site = this.byPc.get(va);
    if (site === undefined) {
      // markIn: the id of a hart whose memory to mark (a process other than the running one's)
      const hart =
        markIn === undefined ? this.anyHart() : [...this.host.harts()].find((h) => h.id === markIn);
      if (hart === undefined) throw new ProbeError(`cannot probe ${hex(va)}: the machine has no hart yet`);
      // the site exists before the mark: compiled code made from the marked entry asks for it
      site = new Site(this, `instruction ${hex(va)}`);
      this.byPc.set(va, site);
      if (!hart.setProbe(va, true)) {
        this.byPc.delete(va);
        throw new ProbeError(
          `cannot probe ${hex(va)}: ${va % 2 !== 0 ? "not 2-byte aligned" : "not mapped executable"}`,
        );
      }
    }
    const s = site;
    const h = new Hook(hook, s.probe, (x) => {
      s.hooks = without(s.hooks, x);
      if (s.hooks.length > 0 || this.byPc.get(va) !== s) return;
      this.byPc.delete(va);
      this.anyHart()?.setProbe(va, false);
    });
    s.hooks = [...s.hooks, h];
    return h;
  }

  /**
   * Mark the probed addresses in [lo, hi) in the memory the hart with id `hartId` runs on: a process
   * that mapped a probed program anew (execve) has frames of its own, without the marks. Returns
   * how many addresses were marked.
   */
  markProbed(hartId: number, lo: number, hi: number): number {
    let hart: Hart | undefined;
    for (const h of this.host.harts()) if (h.id === hartId) hart = h;
    if (hart === undefined) return 0;
    let n = 0;
    for (const va of this.byPc.keys()) if (va >= lo && va < hi && hart.setProbe(va, true)) n++;
    return n;
  }

  /** Addresses with instruction hooks. */
  probedAddresses(): number[] {
    return [...this.byPc.keys()];
  }

  /** Run `hook` when a hart stops at a trap (ECALL, EBREAK, an exception), before it is handled. */
  onTrapEntry(hook: TrapEntryHook): Registration {
    const h = new Hook(hook, "trap-entry", (x) => {
      this.trapEntry = without(this.trapEntry, x);
    });
    this.trapEntry = [...this.trapEntry, h];
    return h;
  }

  /** Run `hook` when a hart goes back to the guest after a trap, just before its next instruction. */
  onTrapReturn(hook: TrapReturnHook): Registration {
    const h = new Hook(hook, "trap-return", (x) => {
      this.trapReturn = without(this.trapReturn, x);
    });
    this.trapReturn = [...this.trapReturn, h];
    return h;
  }

  /** Run `hook` when a syscall starts (user mode), with its number and a0..a5. */
  onSyscallEntry(hook: SyscallEntryHook): Registration {
    const h = new Hook(hook, "syscall-entry", (x) => {
      this.syscallEntry = without(this.syscallEntry, x);
    });
    this.syscallEntry = [...this.syscallEntry, h];
    return h;
  }

  /** Run `hook` when a syscall completes (for one that blocked: when it ends), with its result. */
  onSyscallReturn(hook: SyscallReturnHook): Registration {
    const h = new Hook(hook, "syscall-return", (x) => {
      this.syscallReturn = without(this.syscallReturn, x);
    });
    this.syscallReturn = [...this.syscallReturn, h];
    return h;
  }

  /**
   * Run `hook` on every hart (user mode: every thread), each time it has retired another
   * `intervalNs` instructions (1 ns each) since the registration or since it was created: a
   * profile-N provider samples what each hart executes. The view's pc is the next instruction.
   */
  onTick(intervalNs: number, hook: TickHook): Registration {
    checkInterval(intervalNs);
    const t = new Tick(hook, intervalNs, (x) => {
      const tick = x as Tick;
      this.ticks = without(this.ticks, tick);
      for (const [hart, handle] of tick.pending) this.hartQueues.get(hart)?.cancel(handle);
      tick.pending.clear();
    });
    this.ticks = [...this.ticks, t];
    for (const hart of this.hartQueues.keys()) this.scheduleTick(t, hart, hart.retired + intervalNs);
    return t;
  }

  /**
   * Run `hook` every `intervalNs` of machine time, from now (tick-N): once per period for the
   * whole machine, with the view of the hart that was running.
   */
  onTimer(intervalNs: number, hook: TimerHook): Registration {
    checkInterval(intervalNs);
    let handle: EventHandle | undefined;
    const h = new Hook(hook, `timer ${intervalNs} ns`, () => {
      if (handle !== undefined) this.host.events.cancel(handle);
    });
    const fire = (at: number) => {
      handle = this.host.events.schedule(at + intervalNs, fire);
      const hart = this.host.current();
      const view = hart?.view();
      try {
        hook(view);
      } catch (e) {
        this.recordError("timer", h, view, e);
      }
    };
    handle = this.host.events.schedule(this.host.now() + intervalNs, fire);
    return h;
  }

  /**
   * Run `hook` when a hart's translation may map code it did not (satp, a mode change, SFENCE.VMA),
   * in the hart's run, before its next instruction: gdb places the breakpoints it could not place yet.
   */
  onTranslationChange(hook: () => void): Registration {
    const h = new Hook(hook, "translation", (x) => {
      this.translation = without(this.translation, x);
    });
    this.translation = [...this.translation, h];
    return h;
  }

  /** ProbeSink: a hart's translation changed (see onTranslationChange). */
  translationChanged(): void {
    const hooks = this.translation;
    for (let i = 0; i < hooks.length; i++) {
      const h = hooks[i]!;
      if (!h.active) continue;
      try {
        h.fn();
      } catch (e) {
        this.recordError("translation", h, this.host.current()?.view(), e);
      }
    }
  }

  /** Call `listener` with each hook error as it happens (the tracer's ERROR probe). */
  onError(listener: (e: HookError) => void): Registration {
    const h = new Hook(listener, "error", () => {
      this.errorListeners = this.errorListeners.filter((l) => l !== listener);
    });
    this.errorListeners = [...this.errorListeners, listener];
    return h;
  }

  // ---- harts (called by the machine) ----

  /** A hart joined the machine: its own tick queue, with the registered ticks. */
  attach(hart: Hart): void {
    if (this.hartQueues.has(hart)) return;
    this.hartQueues.set(hart, new EventQueue());
    for (const t of this.ticks) this.scheduleTick(t, hart, hart.retired + t.interval);
  }

  /** A hart left the machine (a thread exited): its ticks stop. */
  detach(hart: Hart): void {
    const q = this.hartQueues.get(hart);
    if (q === undefined) return;
    q.clear();
    this.hartQueues.delete(hart);
    for (const t of this.ticks) t.pending.delete(hart);
  }

  /** The hart's next tick, in its own retired instructions (+Infinity: none). */
  nextTick(hart: Hart): number {
    if (this.ticks.length === 0) return Number.POSITIVE_INFINITY;
    return this.hartQueues.get(hart)?.next() ?? Number.POSITIVE_INFINITY;
  }

  /** Fire the hart's ticks due at its current retired count. */
  runTicks(hart: Hart): void {
    if (this.ticks.length === 0) return;
    this.hartQueues.get(hart)?.runDue(hart.retired);
  }

  private scheduleTick(t: Tick, hart: Hart, at: number): void {
    const queue = this.hartQueues.get(hart)!;
    const fire = (due: number) => {
      if (!t.active) return;
      t.pending.set(hart, queue.schedule(due + t.interval, fire));
      const view = hart.view();
      try {
        t.fn(view);
      } catch (e) {
        this.recordError("tick", t, view, e);
      }
    };
    t.pending.set(hart, queue.schedule(at, fire));
  }

  // ---- firing ----

  /** ProbeSink: the probed instruction at view.pc is about to execute. */
  instruction(view: HartView): boolean {
    return this.byPc.get(view.pc)?.fire(view) ?? true;
  }

  /**
   * Called by an instruction hook: the hart stops before the instruction (Stop.PROBE, which
   * Machine.runHart returns), once every hook of its address has run; the next run executes it
   * without firing them again. A debugger's breakpoint.
   */
  stop(): void {
    this.stopAsked = true;
  }

  /** ProbeSink: the hooks of pc, for harts to call directly (the same object while pc is probed). */
  site(pc: number): ProbeSite | undefined {
    return this.byPc.get(pc);
  }

  /** An instruction hook threw (Site.fire). */
  instructionError(h: Hook<InstructionHook>, view: HartView, e: unknown): void {
    this.recordError("instruction", h, view, e);
  }

  /** The hart stopped at a trap with this cause and tval. */
  fireTrapEntry(hart: Hart, cause: number, tval: number): void {
    const hooks = this.trapEntry;
    if (hooks.length === 0) return;
    const view = hart.view();
    for (const h of hooks) {
      if (!h.active) continue;
      try {
        h.fn(view, cause, tval);
      } catch (e) {
        this.recordError("trap-entry", h, view, e);
      }
    }
  }

  /** The hart goes back to the guest after a trap. */
  fireTrapReturn(hart: Hart): void {
    const hooks = this.trapReturn;
    if (hooks.length === 0) return;
    const view = hart.view();
    for (const h of hooks) {
      if (!h.active) continue;
      try {
        h.fn(view);
      } catch (e) {
        this.recordError("trap-return", h, view, e);
      }
    }
  }

  /** Syscall `nr` starts on the hart; its arguments are in a0..a5. */
  fireSyscallEntry(hart: Hart, nr: number): void {
    const hooks = this.syscallEntry;
    if (hooks.length === 0) return;
    const view = hart.view();
    const args: readonly bigint[] = Object.freeze([0, 1, 2, 3, 4, 5].map((i) => view.x(A0 + i)));
    for (const h of hooks) {
      if (!h.active) continue;
      try {
        h.fn(view, nr, args);
      } catch (e) {
        this.recordError("syscall-entry", h, view, e);
      }
    }
  }

  /** Syscall `nr` completed on the hart; result: a0 as a signed value unless given. */
  fireSyscallReturn(hart: Hart, nr: number, result?: bigint): void {
    const hooks = this.syscallReturn;
    if (hooks.length === 0) return;
    const view = hart.view();
    const value = result ?? BigInt.asIntN(64, view.x(A0));
    for (const h of hooks) {
      if (!h.active) continue;
      try {
        h.fn(view, nr, value);
      } catch (e) {
        this.recordError("syscall-return", h, view, e);
      }
    }
  }

  /** A hook's error that reached the machine another way (Stop.PROBE from a hart). */
  recordHartError(hart: Hart, error: unknown): void {
    const view = hart.view();
    this.record({
      kind: "instruction",
      probe: `instruction ${hex(view.pc)}`,
      hook: undefined,
      hart: view.id,
      pc: view.pc,
      retired: view.retired,
      time: this.host.now(),
      error,
    });
  }

  private recordError(
    kind: HookKind,
    h: Registration & { readonly probe: string },
    view: HartView | undefined,
    error: unknown,
  ): void {
    this.record({
      kind,
      probe: h.probe,
      hook: h,
      hart: view?.id,
      pc: view?.pc,
      retired: view?.retired,
      time: this.host.now(),
      error,
    });
  }

  private record(e: HookError): void {
    this.errorCount++;
    if (this.errors.length < MAX_KEPT_ERRORS) this.errors.push(e);
    for (const listener of this.errorListeners) {
      try {
        listener(e);
      } catch {
        // an error listener that fails has nowhere to report to; it must not stop the run
      }
    }
  }

  private anyHart(): Hart | undefined {
    const current = this.host.current();
    if (current !== undefined) return current;
    for (const h of this.host.harts()) return h;
    return undefined;
  }
}

function checkInterval(ns: number): void {
  if (!Number.isSafeInteger(ns) || ns < 1)
    throw new ProbeError(`tick interval must be a whole number of ns >= 1 (got ${ns})`);
}
