// What a debugger attached to a user-mode run (gdb/user-target.ts) is asked by the kernel, and how
// it pauses the run. A leaf module: the kernel knows only this, not the debugger.

import type { PendingSignal, Thread } from "./process.js";

/** What becomes of a signal a thread is about to act on, once its debugger has seen it. */
export type SignalVerdict = "deliver" | "discard" | "stop";

export interface DebugWatch {
  /** true while the run is paused for the debugger: the running slice ends, and no thread runs */
  readonly stopped: boolean;
  /**
   * Thread t is about to act on `sig` (a handler, or its default action), as ptrace's
   * signal-delivery stop: "deliver" it, "discard" it, or "stop" (the run pauses with the signal still
   * pending; the watch is asked again when t runs next). SIGKILL is never asked about.
   */
  signal(t: Thread, sig: PendingSignal): SignalVerdict;
}
