// The tracer: the D front end (lang/), the compiler (compile/), probe providers (providers/) and
// the runtime that records and prints (runtime/).
export { NoProbesError, type ProcessIds, Tracer, type TracerOptions } from "./compile/index.js";
export { compileFrontEnd, DiagnosticError, printChecked } from "./lang/index.js";
export { type Probe, ProbeList } from "./providers/index.js";
export { TraceOutput } from "./runtime/index.js";
