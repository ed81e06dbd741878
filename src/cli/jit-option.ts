// `--jit off|on|wasm`, `--jit-hot N` and HARTSCOPE_JIT: whether hot guest code is compiled (to
// WebAssembly), as the machine's JIT options. Shared by run, trace and system; only main.ts hands in
// the environment.

import { cacheOf, JIT_DEFAULTS, type JitOptions } from "../hart/jit/hart-jit.js";
import type { GuestMemory } from "../hart/memory.js";
import { UsageError } from "./errors.js";

/** What the command line chose: the interpreter alone, or compiling hot code. */
export interface JitChoice {
  jit: boolean;
  /** executions of a block start before it is compiled (undefined: the default) */
  jitHot?: number;
}

export const JIT_VALUES = "off, on or wasm";

/** `--jit VALUE` or HARTSCOPE_JIT=VALUE (`what` names where the value came from). */
export function parseJit(what: string, v: string): Pick<JitChoice, "jit"> {
  switch (v) {
    case "off":
      return { jit: false };
    case "on":
    case "wasm":
      return { jit: true };
    case "js":
      throw new UsageError(`${what} must be ${JIT_VALUES} (got 'js': the JavaScript engine was removed)`);
    default:
      throw new UsageError(`${what} must be ${JIT_VALUES} (got '${v}')`);
  }
}

/** The default before any --jit: HARTSCOPE_JIT if set (and not empty), else on. */
export function jitFromEnv(env: NodeJS.ProcessEnv): Pick<JitChoice, "jit"> {
  const v = env.HARTSCOPE_JIT;
  return v === undefined || v === "" ? { jit: true } : parseJit("HARTSCOPE_JIT", v);
}

/** `--jit-hot N`: a positive integer. */
export function parseJitHot(opt: string, v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 31 - 1) {
    throw new UsageError(
      `${opt} must be a positive integer (executions before a block is compiled; got '${v}')`,
    );
  }
  return n;
}

/**
 * The machine's `jit` option. A threshold given counts from the first instruction (no stretch of
 * the interpreter alone first: JitOptions.interpretFirst); a lower one lowers the warm threshold
 * with it (their default ratio), so that the code around a hot start still joins its region.
 */
export function machineJit(c: JitChoice): Partial<JitOptions> | false {
  if (!c.jit) return false;
  const o: Partial<JitOptions> = {};
  if (c.jitHot !== undefined) {
    o.interpretFirst = 0;
    o.hot = c.jitHot;
    o.warm = Math.max(1, Math.floor((c.jitHot * JIT_DEFAULTS.warm) / JIT_DEFAULTS.hot));
  }
  return o;
}

/**
 * The compile statistics of one memory's code cache, for --stats: regions, their instructions,
 * how many of the retired instructions compiled code ran, the engine's compile cost (time, bytes of
 * generated code) and how often the run loop entered compiled code (instructions per entry is what
 * chaining and region growth raise).
 */
export function jitStatsLine(mem: GuestMemory, retired: number): string {
  const cache = cacheOf(mem);
  if (cache === undefined) return "hartscope: jit wasm: not available for this memory (interpreted)";
  const pct = retired > 0 ? (100 * cache.retired) / retired : 0;
  return (
    `hartscope: jit wasm: ${cache.compiled} regions, ${cache.compiledInsns} instructions compiled, ` +
    `${cache.retired} of ${retired} instructions retired in compiled code (${pct.toFixed(1)}%), ` +
    `compile ${cache.compileMs.toFixed(1)} ms, ${cache.compiledBytes} bytes of code, ${cache.entries} entries`
  );
}
