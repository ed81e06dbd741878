// The full system as gdb sees it (`hartscope system -g PORT`, as qemu-system-riscv64 -s -S): each
// hart a thread (gdb's thread N is hart N-1), all-stop. Memory is read and written at virtual
// addresses through the selected hart's translation as it is now (physical while it translates
// none: M-mode firmware, bare metal). Breakpoints are instruction probes, as in user mode, placed
// through the translation of the moment; one at an address no translation maps executable yet (a
// kernel's, before its page tables) waits, and is placed the moment a hart's translation changes
// to map it (satp, a mode change, SFENCE.VMA), before that hart's next instruction.

import { peekableCsrs, peekCsr, pokeCsr } from "../hart/csr.js";
import type { Hart } from "../hart/hart.js";
import type { HartState } from "../hart/state.js";
import { SIGINT, SIGTRAP } from "../linux-user/signals.js";
import type { Registration } from "../machine/probes.js";
import type { FullSystem, StepControl } from "../system/system.js";
import { Breakpoints } from "./breakpoints.js";
import { csrRegnum, readRegister, reg, targetXml, writeRegister } from "./registers.js";
import { type DebugTarget, type ResumeAction, readPages, type StopEvent } from "./target.js";

/** Instructions a step of the system runs between two looks at the clock. */
const STEP_BUDGET = 1 << 16;

/** gdb's number of its virtual register `priv` (the privilege mode), after the 4096 CSRs */
const PRIV_REGNUM = csrRegnum(4096);

/** The base registers, every CSR the hart has (gdb's names are the spec's), and the privilege mode. */
const SYSTEM_XML = targetXml(
  [
    '<feature name="org.gnu.gdb.riscv.csr">',
    ...peekableCsrs().map(([num, name]) => reg(name, csrRegnum(num), 64, "int")),
    "</feature>",
  ].join("\n"),
  `<feature name="org.gnu.gdb.riscv.virtual">${reg("priv", PRIV_REGNUM, 64, "int")}</feature>`,
);

export class SystemTarget implements DebugTarget {
  private stopped = true;
  private event: StopEvent = { kind: "stopped", tid: 1, signal: SIGTRAP };
  private readonly breakpoints: Breakpoints;
  /** breakpoints at addresses no translation mapped executable yet */
  private readonly pending = new Set<number>();
  private watchTranslation: Registration | undefined;
  private control: StepControl | undefined;
  private stepping: { hart: Hart; retired: number } | undefined;

  constructor(private readonly sys: FullSystem) {
    this.breakpoints = new Breakpoints(sys.machine.probes, (view) => {
      if (this.stopped) return false;
      this.stop({ kind: "stopped", tid: view.id + 1, signal: SIGTRAP, swbreak: true });
      return true;
    });
  }

  /** The stop before the first instruction (hart 0). */
  first(): StopEvent {
    return this.event;
  }

  threads(): number[] {
    return this.sys.harts().map((_, i) => i + 1);
  }

  threadName(): undefined {
    return undefined;
  }

  registers(tid: number): HartState | undefined {
    return this.hart(tid)?.state;
  }

  readRegister(tid: number, regnum: number): Uint8Array | undefined {
    const hart = this.hart(tid);
    if (hart === undefined) return undefined;
    const base = readRegister(hart.state, regnum);
    if (base !== undefined) return base;
    const value = new Int32Array(2);
    if (regnum === PRIV_REGNUM) value[0] = hart.priv;
    else if (!peekCsr(hart, regnum - csrRegnum(0), value)) return undefined;
    return new Uint8Array(value.buffer);
  }

  writeRegister(tid: number, regnum: number, bytes: Uint8Array): boolean {
    const hart = this.hart(tid);
    if (hart === undefined) return false;
    if (writeRegister(hart.state, regnum, bytes)) return true;
    if (bytes.length !== 8 || regnum === PRIV_REGNUM) return false;
    const v = new DataView(bytes.buffer, bytes.byteOffset, 8);
    return pokeCsr(hart, regnum - csrRegnum(0), v.getInt32(0, true), v.getInt32(4, true));
  }

  targetXml(): string {
    return SYSTEM_XML;
  }

  readMemory(addr: number, length: number, tid: number): Uint8Array {
    const hart = this.hart(tid);
    return readPages(addr, length, (at, n) => hart?.mmu.peek(at, n));
  }

  writeMemory(addr: number, bytes: Uint8Array, tid: number): boolean {
    return this.hart(tid)?.mmu.poke(addr, bytes) ?? false;
  }

  setBreakpoint(addr: number): string | undefined {
    const why = this.breakpoints.set(addr);
    if (why === undefined || !/not mapped executable/.test(why)) return why;
    // placed once a hart's translation maps it (a kernel's address before its page tables do)
    this.pending.add(addr);
    this.watchTranslation ??= this.sys.machine.probes.onTranslationChange(() => this.placePending());
    return undefined;
  }

  clearBreakpoint(addr: number): void {
    this.breakpoints.clear(addr);
    this.pending.delete(addr);
  }

  /** Place the pending breakpoints a hart's new translation maps (before it runs on). */
  private placePending(): void {
    for (const addr of this.pending) if (this.breakpoints.set(addr) === undefined) this.pending.delete(addr);
    if (this.pending.size === 0) {
      this.watchTranslation?.remove();
      this.watchTranslation = undefined;
    }
  }

  auxv(): undefined {
    return undefined;
  }

  /** (firmware and kernel are two files: gdb is told which to read) */
  execFile(): undefined {
    return undefined;
  }

  passSignals(): void {
    // a machine has no signals to pass
  }

  resume(actions: readonly ResumeAction[]): void {
    const all = actions.some((a) => a.tid === -1);
    const step = actions.find((a) => a.step);
    const single = step === undefined ? undefined : this.hart(step.tid);
    this.stepping = single && { hart: single, retired: single.retired };
    this.control = {
      only: all ? undefined : new Set(actions.map((a) => a.tid - 1)),
      single: single === undefined ? undefined : step!.tid - 1,
    };
    this.stopped = false;
  }

  runFor(ms: number): StopEvent | "idle" | undefined {
    const end = performance.now() + ms;
    for (;;) {
      // a step runs a round of turns: the stepped hart's is one instruction
      const r = this.sys.step(this.stepping !== undefined ? 1 : STEP_BUDGET, this.control);
      if (this.stopped) return this.event;
      if (r !== undefined && r !== "idle") return this.stop({ kind: "exited", code: r.status });
      const s = this.stepping;
      if (s !== undefined && s.hart.retired > s.retired)
        return this.stop({ kind: "stopped", tid: s.hart.id + 1, signal: SIGTRAP });
      if (r === "idle") return "idle";
      if (performance.now() >= end) return undefined;
    }
  }

  interrupt(): StopEvent {
    return this.stop({ kind: "stopped", tid: Math.max(0, this.sys.lastHart) + 1, signal: SIGINT });
  }

  release(how: "kill" | "detach"): void {
    this.breakpoints.clearAll();
    this.pending.clear();
    this.watchTranslation?.remove();
    this.watchTranslation = undefined;
    if (how === "kill") this.sys.end({ status: 1, message: "gdb killed the machine" });
    this.control = undefined;
    this.stepping = undefined;
    this.stopped = false;
  }

  private stop(ev: StopEvent): StopEvent {
    this.stopped = true;
    this.event = ev;
    this.stepping = undefined;
    return ev;
  }

  private hart(tid: number): Hart | undefined {
    return this.sys.harts()[tid - 1];
  }
}
