// What gdb's remote protocol needs of a machine (session.ts speaks the protocol; user-target.ts is
// the user-mode machine). Thread ids are the protocol's: positive; signals are Linux's numbers.

import { PAGE_SIZE } from "../hart/page.js";
import type { HartState } from "../hart/state.js";

/** Why the machine stopped, as a stop reply tells gdb. */
export type StopEvent =
  /** a thread stopped: at a breakpoint (swbreak), after a step, interrupted, or with a signal to deliver */
  | { kind: "stopped"; tid: number; signal: number; swbreak?: boolean }
  /** the debugged process exited with this code */
  | { kind: "exited"; code: number }
  /** the debugged process was ended by this signal */
  | { kind: "terminated"; signal: number };

/** One action of a resume (vCont): tid -1 is every thread no other action names. */
export interface ResumeAction {
  tid: number;
  step: boolean;
  /** the signal to deliver (a thread stopped with a signal: 0 discards it) */
  signal: number;
}

export interface DebugTarget {
  /** the stop the machine is at when gdb connects: before its first instruction */
  first(): StopEvent;
  /** live threads of the debugged process, in creation order */
  threads(): number[];
  /** a thread's name, as `info threads` shows it (qXfer:threads:read), if it has one */
  threadName(tid: number): string | undefined;
  /** a thread's registers, or undefined if it is not a live thread of the process (the `g` packet's) */
  registers(tid: number): HartState | undefined;
  /** register `regnum` of a thread as little-endian bytes, or undefined if it has none such */
  readRegister(tid: number, regnum: number): Uint8Array | undefined;
  /** set register `regnum` of a thread; false if it has none such, or `bytes` are not its size */
  writeRegister(tid: number, regnum: number, bytes: Uint8Array): boolean;
  /** the target description (registers.ts: targetXml) */
  targetXml(): string;
  /**
   * `length` bytes of virtual memory at `addr` as thread `tid` sees it, as far as they are readable
   * (fewer at an unmapped page)
   */
  readMemory(addr: number, length: number, tid: number): Uint8Array;
  /** write `bytes` at `addr` (whatever the pages' protections, as ptrace does); false at an unmapped page */
  writeMemory(addr: number, bytes: Uint8Array, tid: number): boolean;
  /** a breakpoint at addr: undefined, or why it cannot be placed */
  setBreakpoint(addr: number): string | undefined;
  clearBreakpoint(addr: number): void;
  /** the process's auxiliary vector as it lies on its stack (gdb finds a PIE's load address in it) */
  auxv(): Uint8Array | undefined;
  /** the host path of the program being debugged, for a gdb started without one (qXfer:exec-file) */
  execFile(): string | undefined;
  /** signals (Linux numbers) delivered without a stop (QPassSignals) */
  passSignals(signals: ReadonlySet<number>): void;
  /** Go on from the last stop, as `actions` say. */
  resume(actions: readonly ResumeAction[]): void;
  /**
   * Run for about `ms` of host time: the stop, undefined if the machine is still running, or "idle"
   * when it waits for input (the full system's console) and need not be run again at once.
   */
  runFor(ms: number): StopEvent | "idle" | undefined;
  /** Stop the running machine (gdb's Ctrl-C): the stop to report. */
  interrupt(): StopEvent;
  /** gdb is gone: `kill` ends the process, `detach` lets it run on without breakpoints. */
  release(how: "kill" | "detach"): void;
}

/**
 * `length` bytes of memory at `addr` as far as they are readable (DebugTarget.readMemory): a page at
 * a time through `read`, which gives that page's part or undefined when it cannot be read.
 */
export function readPages(
  addr: number,
  length: number,
  read: (at: number, n: number) => Uint8Array | undefined,
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let done = 0; done < length; ) {
    const at = addr + done;
    const n = Math.min(length - done, PAGE_SIZE - (at % PAGE_SIZE));
    const bytes = read(at, n);
    if (bytes === undefined) break;
    parts.push(bytes);
    done += n;
  }
  return Buffer.concat(parts);
}
