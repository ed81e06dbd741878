// `hartscope trace`: run a program under a D script, as `dtrace -c` does. The script is compiled
// (syntax errors: exit 2 before the guest runs), its clauses attached to the probes their
// descriptions match, the guest run, END fired and the aggregations printed however the guest
// ended. The exit status is the guest's.

import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { parseElf } from "../elf/elf.js";
import { linuxEvents } from "../linux-user/events.js";
import { GUEST_PID, LinuxProcess } from "../linux-user/process.js";
import { processIdsOf } from "../linux-user/procfs.js";
import { runProcess } from "../linux-user/scheduler.js";
import type { Probes } from "../machine/probes.js";
import { callSites } from "../trace/call-sites.js";
import { CompileError, NoProbesError, Tracer } from "../trace/compile/index.js";
import { elfResolver } from "../trace/elf-symbols.js";
import { compileFrontEnd, DiagnosticError, printChecked } from "../trace/lang/index.js";
import { dynamicObjects, fieldMatches, type ObjectModule, ProbeList } from "../trace/providers/index.js";
import { openFileSink, stderrSink, type TextSink, TraceOutput } from "../trace/runtime/index.js";
import type { SymbolResolver } from "../trace/runtime/symbols.js";
import { ShadowStacks } from "../trace/shadow-stack.js";
import { readProgram, UsageError } from "./errors.js";
import { machineJit } from "./jit-option.js";
import { err, out } from "./output.js";
import { ENV_FLAGS, ENV_VALUE_OPTIONS, type RunOptions, shellStatus } from "./run.js";

function requireDir(opt: string, dir: string): void {
  let ok = false;
  try {
    ok = statSync(dir).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`${opt} ${dir}: not a directory`);
}

export const EXIT_SCRIPT = 2;

export interface TraceOptions {
  /** -n and -s, in order: [kind, text] */
  scripts: { kind: "n" | "s"; text: string }[];
  output?: string;
  quiet: boolean;
  json: boolean;
  list: boolean;
  dumpAst: boolean;
  zeroMatches: boolean;
  options: Map<string, string>;
  run: RunOptions;
}

const RUN_VALUE_OPTIONS = new Set([
  "--root",
  "--sysroot",
  "--quantum",
  "--seed",
  "--jit",
  "--jit-hot",
  ...ENV_VALUE_OPTIONS,
]);
const RUN_FLAGS = new Set(["--stats", "--strict", "--wall-clock", ...ENV_FLAGS]);

export function parseTraceArgs(args: string[], parseRun: (args: string[]) => RunOptions): TraceOptions {
  const o: Omit<TraceOptions, "run"> = {
    scripts: [],
    quiet: false,
    json: false,
    list: false,
    dumpAst: false,
    zeroMatches: false,
    options: new Map(),
  };
  const runArgs: string[] = [];
  let command: string[] | undefined;
  let i = 0;
  const value = (opt: string): string => {
    const v = args[++i];
    if (v === undefined) throw new UsageError(`${opt} needs a value`);
    return v;
  };
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    const name = a.includes("=") && a.startsWith("--") ? a.slice(0, a.indexOf("=")) : a;
    if (RUN_VALUE_OPTIONS.has(name)) {
      runArgs.push(a);
      if (name === a) runArgs.push(value(a));
      continue;
    }
    if (RUN_FLAGS.has(a)) {
      runArgs.push(a);
      continue;
    }
    switch (a) {
      case "-n":
        o.scripts.push({ kind: "n", text: value(a) });
        break;
      case "-s":
        o.scripts.push({ kind: "s", text: value(a) });
        break;
      case "-o":
        o.output = value(a);
        break;
      case "-q":
        o.quiet = true;
        break;
      case "--json":
        o.json = true;
        break;
      case "-l":
        o.list = true;
        break;
      case "-Z":
        o.zeroMatches = true;
        break;
      case "-c":
        if (command !== undefined)
          throw new UsageError("trace: -c given twice (hartscope traces one command)");
        command = value(a)
          .split(/[ \t]+/)
          .filter((w) => w !== "");
        if (command.length === 0) throw new UsageError("trace: -c needs a command");
        break;
      case "-p":
        throw new UsageError(
          "trace: -p is not applicable: hartscope cannot grab a running process, it runs the program itself (-c 'PROG ARGS', or PROG ARGS after the options)",
        );
      case "--dump-ast":
        o.dumpAst = true;
        break;
      case "-x": {
        const v = value(a);
        const eq = v.indexOf("=");
        o.options.set(eq < 0 ? v : v.slice(0, eq), eq < 0 ? "" : v.slice(eq + 1));
        break;
      }
      default:
        throw new UsageError(`unknown option '${a}' for trace (try hartscope --help)`);
    }
  }
  let rest = args.slice(i);
  if (command !== undefined) {
    if (rest.length > 0)
      throw new UsageError(
        `trace: give the command with -c or after the options, not both (found '${rest.join(" ")}' after -c)`,
      );
    rest = command;
  }
  if (rest.length === 0)
    throw new UsageError(
      "trace: missing program (usage: hartscope trace [-n D]... [-s FILE] [-c 'PROG ARGS' | PROG [ARGS...]])",
    );
  if (o.scripts.length === 0 && !o.list) throw new UsageError("trace: give a script with -n or -s");
  const run = parseRun([...runArgs, "--", ...rest]);
  if (run.gdb !== undefined)
    throw new UsageError("trace: -g/--gdb is run's (gdb and a D script together are not supported)");
  return { ...o, run };
}

/** The program's source text and the name errors use. */
function scriptSource(o: TraceOptions): { source: string; name: string } {
  const parts = o.scripts.map((s) => {
    if (s.kind === "n") return s.text;
    try {
      return readFileSync(s.text, "utf8").replace(/^#!.*/, "");
    } catch (e) {
      throw new UsageError(`-s ${s.text}: ${(e as NodeJS.ErrnoException).code ?? "cannot read"}`);
    }
  });
  const only = o.scripts.length === 1 ? o.scripts[0]! : undefined;
  const name = only === undefined ? "<script>" : only.kind === "s" ? only.text : "<command line>";
  return { source: parts.join("\n"), name };
}

/** A probe description as -l takes it: fields fill from the right (`f:entry` is function:name). */
function listDescription(text: string): { provider: string; module: string; function: string; name: string } {
  const f = text.trim().split(":");
  while (f.length < 4) f.unshift("");
  return { provider: f[0]!, module: f[1]!, function: f[2]!, name: f.slice(3).join(":") };
}

function listProbes(list: ProbeList, o: TraceOptions): string {
  const descs = o.scripts.filter((s) => s.kind === "n").map((s) => listDescription(s.text));
  let text = `${"ID".padStart(5)} ${"PROVIDER".padStart(10)} ${"MODULE".padStart(20)} ${"FUNCTION".padStart(32)} NAME\n`;
  for (const p of list.all()) {
    if (
      descs.length > 0 &&
      !descs.some(
        (d) =>
          fieldMatches(d.provider, p.provider) &&
          fieldMatches(d.module, p.module) &&
          fieldMatches(d.function, p.function) &&
          fieldMatches(d.name, p.name),
      )
    )
      continue;
    const detail = p.detail();
    text += `${String(p.id).padStart(5)} ${p.provider.padStart(10)} ${p.module.padStart(20)} ${p.function.padStart(32)} ${p.name}${detail === "" ? "" : ` ${detail}`}\n`;
  }
  return text;
}

export function traceCommand(o: TraceOptions): number {
  const r = o.run;
  requireDir("--root", r.root);
  if (r.sysroot !== undefined) requireDir("--sysroot", r.sysroot);

  let program: ReturnType<typeof compileFrontEnd> | undefined;
  if (o.scripts.length > 0 && !o.list) {
    const { source, name } = scriptSource(o);
    try {
      program = compileFrontEnd(source, name, new Map([["target", BigInt(GUEST_PID)]]));
    } catch (e) {
      if (e instanceof DiagnosticError) {
        err(e.format().trimEnd());
        return EXIT_SCRIPT;
      }
      throw e;
    }
    if (o.dumpAst) {
      out(printChecked(program));
      return 0;
    }
  }

  const bytes = readProgram(r.prog);
  const elf = parseElf(bytes, r.prog);
  const p = new LinuxProcess({
    root: r.root,
    sysroot: r.sysroot,
    quantum: r.quantum,
    wallClock: r.wallClock,
    seed: r.seed,
    strict: r.strict,
    warn: err,
    jit: machineJit(r),
  });
  const env = r.env ?? Object.entries(process.env).map(([k, v]) => `${k}=${v}`);
  p.exec(elf, r.prog, [r.prog, ...r.args], env);
  const module = basename(r.prog);
  const bias = p.program?.main.bias ?? 0;
  const objects = dynamicObjects(elf, r.sysroot, p.program?.interp?.bias);
  const probes = new ProbeList({ elf, module, bias, objects });
  if (o.list || program === undefined) {
    out(listProbes(probes, o));
    return 0;
  }

  // #pragma D option lines, then -x (which wins), each checked as dtrace checks them
  const options = new Map<string, string>();
  const given: [string, string, "-x " | ""][] = [
    ...program.options.map((x): [string, string, ""] => [x.name, x.value ?? "", ""]),
    ...[...o.options].map(([k, v]): [string, string, "-x "] => [k, v, "-x "]),
  ];
  for (const [name, value, how] of given) {
    const problem = optionProblem(name, value);
    if (problem !== undefined) {
      err(`dtrace: failed to set option ${how}${name}: ${problem}`);
      return EXIT_SCRIPT;
    }
    options.set(name, value);
  }
  const quiet = o.quiet || options.has("quiet");
  const strsize = options.has("strsize") ? Number(options.get("strsize")) : undefined;
  let sink: TextSink;
  try {
    sink = o.output === undefined ? stderrSink() : openFileSink(o.output);
  } catch (e) {
    throw new UsageError(`-o ${o.output}: ${(e as Error).message}`);
  }
  const output = new TraceOutput({
    out: sink,
    errors: o.output === undefined ? sink : stderrSink(),
    quiet,
    json: o.json,
    strsize,
    programName: "hartscope",
    symbols: probes.symbols(p.machine.probes),
    sort: {
      byKey: options.has("aggsortkey"),
      reverse: options.has("aggsortrev"),
      keyPosition: options.has("aggsortkeypos") ? Number(options.get("aggsortkeypos")) : undefined,
      valuePosition: options.has("aggsortpos") ? Number(options.get("aggsortpos")) : undefined,
    },
  });
  let tracer: Tracer;
  let stacks: ShadowStacks | undefined;
  try {
    tracer = new Tracer(program, {
      output,
      pid: p.pid,
      ppid: p.ppid,
      execname: basename(r.prog),
      processOf: processIdsOf(p.kernel),
      now: () => p.machine.now(),
      strsize,
      stackSymbols: frameResolver(elfResolver(elf, bias, module), probes.symbols(p.machine.probes)),
      ustackFrames: intOption(options, "ustackframes"),
      stackIndent: intOption(options, "stackindent"),
      allowZeroMatches: o.zeroMatches,
      onExit: (code) => {
        if (!p.exit) p.exit = { code };
      },
      onMatched: (d, n) => {
        if (!quiet && (n > 0 || o.zeroMatches))
          err(`dtrace: description '${d}' matched ${n} probe${n === 1 ? "" : "s"}`);
      },
    });
    tracer.attach(probes, p.machine.probes);
    if (tracer.usesUserStacks) {
      // after the clauses' probes, so a clause at a call or return sees the stack before it
      stacks = new ShadowStacks(callSites(elf, bias));
      tracer.setUserStacks(stacks);
      stacks.attach(p.machine.probes);
      followObjects(stacks, objects, p.machine.probes);
      stacks.followSignals(linuxEvents(p.machine.probes));
    }
  } catch (e) {
    if (e instanceof NoProbesError || e instanceof CompileError) {
      err(`dtrace: ${e.message}`);
      return EXIT_SCRIPT;
    }
    throw e;
  }

  let status: ReturnType<typeof runProcess> | undefined;
  try {
    tracer.begin();
    if (tracer.exitCode === undefined) status = runProcess(p);
  } finally {
    tracer.end();
    output.finish(tracer.aggregations);
  }
  if (p.machine.probes.errorCount > 0) {
    const first = p.machine.probes.errors[0]!;
    const msg = first.error instanceof Error ? first.error.message : String(first.error);
    err(`hartscope: trace: ${p.machine.probes.errorCount} probe error(s), first at ${first.probe}: ${msg}`);
  }
  if (status === undefined) return tracer.exitCode ?? 0;
  if (status.message) err(`hartscope: ${status.message}`);
  return shellStatus(status);
}

/** The calls and returns of a dynamic program's interpreter and shared objects, as each is mapped. */
function followObjects(stacks: ShadowStacks, objects: readonly ObjectModule[], seam: Probes): void {
  const later: ObjectModule[] = [];
  for (const o of objects) {
    if (o.bias !== undefined) stacks.addSites(callSites(o.elf, o.bias));
    else later.push(o);
  }
  if (later.length === 0) return;
  linuxEvents(seam).onModuleLoad((m) => {
    const o = later.find((x) => x.hostPath === m.hostPath || x.name === m.name);
    if (o !== undefined) stacks.addSites(callSites(o.elf, m.bias));
  });
}

/** Stack frames: the program's own as module`symbol, anything else as the shared objects name it. */
function frameResolver(program: SymbolResolver, shared: SymbolResolver): SymbolResolver {
  return (address) => {
    const r = program(address);
    if (r?.symbol !== undefined) return r;
    return shared(address) ?? r;
  };
}

/**
 * The D options hartscope has, each with an effect: flags take no value, the others a decimal
 * integer of at least their minimum. dtrace's other options (bufsize, switchrate, dynvarsize...)
 * size or pace kernel buffers that hartscope does not have; they are refused rather than ignored.
 */
const OPTIONS: ReadonlyMap<string, "flag" | number> = new Map<string, "flag" | number>([
  ["quiet", "flag"], // -q
  ["aggsortkey", "flag"], // order aggregations by key
  ["aggsortrev", "flag"], // reverse the order
  ["aggsortkeypos", 0], // the key compared first
  ["aggsortpos", 0], // in a printa of several aggregations, the one compared first
  ["strsize", 1], // bytes of a string
  ["ustackframes", 1], // frames ustack() records without an argument
  ["stackindent", 0], // columns before each printed frame
]);

/** dtrace's reason an option cannot be set, or undefined when it can. */
function optionProblem(name: string, value: string): string | undefined {
  const kind = OPTIONS.get(name);
  if (kind === undefined) return `Invalid option name (hartscope has ${[...OPTIONS.keys()].join(", ")})`;
  if (kind === "flag") return value === "" ? undefined : "Invalid value for specified option (it takes none)";
  if (!/^\d+$/.test(value) || Number(value) < kind || !Number.isSafeInteger(Number(value)))
    return `Invalid value for specified option (an integer >= ${kind})`;
  return undefined;
}

/** An integer option's value, or undefined when not given (checked by optionProblem). */
function intOption(options: Map<string, string>, name: string): number | undefined {
  return options.has(name) ? Number(options.get(name)) : undefined;
}
