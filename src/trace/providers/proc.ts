// proc:::, DTrace's provider of process events, for user mode: thread creation, start and exit,
// signals sent, discarded and handled, machine faults, program start and exit (and, with
// processes, create and exec). The events and their arguments are user-mode Linux's
// (src/linux-user/events.ts); a probe here registers its clause there.

import { linuxEvents, PROC_EVENTS } from "../../linux-user/events.js";
import type { Probe } from "./index.js";

/** One probe per event, module and function empty as DTrace's proc probes list on Linux. */
export function procProbes(): Omit<Probe, "id">[] {
  return PROC_EVENTS.map((name) => ({
    provider: "proc",
    module: "",
    function: "",
    name,
    detail: () => "",
    attach: (fire, t) => {
      const r = linuxEvents(t.seam).on(name, fire);
      return () => r.remove();
    },
  }));
}
