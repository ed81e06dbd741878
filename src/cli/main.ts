// The `hartscope` command: parses the command line, runs the subcommand, and turns every failure
// into one line on stderr and an exit status.

import { readFileSync } from "node:fs";
import { ElfError, parseElf } from "../elf/elf.js";
import { setSourceCompiler } from "../hart/interpreter.js";
import { JIT_DEFAULTS } from "../hart/jit/hart-jit.js";
import { LoadError } from "../linux-user/loader.js";
import { type CodeCache, sourceCompiler } from "./cache.js";
import { FileError, readProgram, UsageError } from "./errors.js";
import { jitFromEnv, parseJit, parseJitHot } from "./jit-option.js";
import { err, out } from "./output.js";
import {
  DEFAULT_QUANTUM,
  envOption,
  guestEnvironment,
  MIN_QUANTUM,
  noEnvEdits,
  type RunOptions,
  runCommand,
} from "./run.js";

export const EXIT_USAGE = 1;
export const EXIT_INTERNAL = 70; // EX_SOFTWARE (sysexits.h)

const USAGE = `usage: hartscope COMMAND [OPTIONS]

commands:
  run [OPTIONS] PROG [ARGS...]   run a riscv64 Linux program (like qemu-riscv64)
      --stats           print instructions retired, time and MIPS on stderr at exit, and with
                        the JIT on: regions and instructions compiled, the share of instructions
                        compiled code retired, compile time and code size
      --strict          stop at the first syscall hartscope does not implement
      --root DIR        directory the program sees as / (default: the current directory)
      --sysroot DIR     where the dynamic loader and libraries of a dynamic program are
                        (e.g. /usr/riscv64-linux-gnu)
      --quantum N       instructions a thread runs before the next one (default ${DEFAULT_QUANTUM})
      --wall-clock      host time instead of virtual time (1 ns per instruction)
      --seed N          seed of getrandom, AT_RANDOM and /dev/urandom (default 0)
      --jit off|on|wasm run the interpreter alone (off), or compile hot code to WebAssembly
                        (on, the default; wasm is the same); HARTSCOPE_JIT in the environment
                        takes the same values
      --jit-hot N       executions of a block start before it is compiled, counted from the first
                        instruction (default ${JIT_DEFAULTS.hot}, counted after the first ${JIT_DEFAULTS.interpretFirst} instructions,
                        which the interpreter runs alone: a short program pays nothing to compile)
      -E NAME=VALUE     set a variable in the guest's environment (repeatable, as qemu's -E)
      -U NAME           remove a variable from the guest's environment (repeatable)
      --clear-env       start the guest's environment empty, not from the host's
      -g, --gdb PORT    wait for gdb on 127.0.0.1:PORT (0: a free port, printed) before the
                        first instruction, as qemu-riscv64 -g: in gdb-multiarch, 'target remote
                        :PORT'; breakpoints, steps, registers, memory, threads, signals
  trace [OPTIONS] [RUN OPTIONS] PROG [ARGS...]
                                 run a program under a D script, like dtrace -c
      -n 'DESC [/PRED/] { ACTIONS }'   a probe description or a clause (repeatable)
      -s FILE           a D script
      -o FILE           write the trace to FILE (default: stderr)
      -q                quiet: only what the actions print
      --json            one JSON object per record, aggregation and fault
      -l                list the probes (those -n names, else all) and exit
      -x OPT=VAL        a D option (strsize, quiet, aggsortkey, aggsortrev...)
      -Z                descriptions that match no probe are not an error
      --dump-ast        print the checked program and exit
      (and run's options: --root --sysroot --seed --quantum --jit --jit-hot --stats -E -U ...)
  system [OPTIONS]               boot a whole RISC-V machine, like qemu-system-riscv64 -M virt
                                 -nographic (UART on the terminal; Ctrl-A X quits)
      --kernel FILE     ELF (at its physical addresses) or raw image (after the firmware at the
                        next 2 MiB boundary: 0x80200000 with the built-in one; 0x80000000 with none)
      --bios FILE|none|default  firmware: ELF or raw at 0x80000000; none: the kernel starts in
                        M-mode; default (or no --bios): the built-in SBI firmware runs it in S-mode
      --initrd FILE     initial ramdisk, placed as QEMU places it (in /chosen of the device tree)
      --append ARGS     the kernel's command line (/chosen/bootargs)
      -m, --memory SIZE RAM as qemu's -m: 128M (default), 1G, or a number of MiB
      --smp N           harts, 1 to 8 (default 1)
      --quantum N       instructions a hart runs before the next one (default 10000)
      --schedule-seed N each turn's quantum drawn from 1..2*quantum (the same seed, the same run)
      --clock virtual|realtime  virtual (default: 50 ns per instruction, skipping ahead while all
                        harts wait in WFI) or the host's clock
      --timeout S       stop after S seconds of machine time; exit status 124
      --serial stdio|file:PATH   where the UART goes (default stdio; stdin feeds it)
      --dtb-out FILE    write the generated device tree blob to FILE too
      --disk FILE       a virtio-blk disk (repeatable); the guest's writes stay in memory
      --disk-write      write the guest's disk writes through to the files
      --stats           print instructions retired, time, MIPS and the JIT's figures at exit
      -g, --gdb PORT    wait for gdb on 127.0.0.1:PORT before the first instruction, as
                        qemu-system-riscv64 -s -S: each hart is a thread of gdb's
      --jit off|on|wasm, --jit-hot N   as for run
    exit status: the finisher's (pass 0, fail CODE) or HTIF's; 1 with a message when every hart
    waits for an interrupt that can never come
  disasm PROG [--func NAME]      disassemble a riscv64 ELF file like objdump -d

  --help                         this text
  --version                      hartscope's version
`;

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

/** `COMMAND --help` (before the program, so the guest can still get its own --help). */
const isHelp = (a: string | undefined): boolean => a === "--help" || a === "-h";

/** Parse a non-negative integer option value (decimal or 0x hex). */
function integer(opt: string, v: string, min: number, max: number): number {
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${opt} must be an integer from ${min} to ${max} (got '${v}')`);
  }
  return n;
}

export function parseRunArgs(args: string[], env: NodeJS.ProcessEnv = process.env): RunOptions {
  const o: RunOptions = {
    stats: false,
    strict: false,
    root: ".",
    quantum: DEFAULT_QUANTUM,
    wallClock: false,
    seed: 0,
    // HARTSCOPE_JIT comes from main's environment: machines take their JIT setting as an option
    ...jitFromEnv(env),
    prog: "",
    args: [],
  };
  const envEdits = noEnvEdits();
  let i = 0;
  const value = (opt: string, inline: string | undefined): string => {
    if (inline !== undefined) return inline;
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
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(0, eq) : a;
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    const flag = (set: () => void) => {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      set();
    };
    switch (name) {
      case "--stats":
        flag(() => {
          o.stats = true;
        });
        break;
      case "--strict":
        flag(() => {
          o.strict = true;
        });
        break;
      case "--wall-clock":
        flag(() => {
          o.wallClock = true;
        });
        break;
      case "--root":
        o.root = value(name, inline);
        break;
      case "--sysroot":
        o.sysroot = value(name, inline);
        break;
      case "--quantum":
        o.quantum = integer(name, value(name, inline), MIN_QUANTUM, 2 ** 31 - 1);
        break;
      case "--seed":
        o.seed = integer(name, value(name, inline), 0, Number.MAX_SAFE_INTEGER);
        break;
      case "-E":
      case "-U":
        envOption(envEdits, name, value(name, inline));
        break;
      case "--clear-env":
        flag(() => {
          envEdits.clear = true;
        });
        break;
      case "--jit":
        Object.assign(o, parseJit(name, value(name, inline)));
        break;
      case "--jit-hot":
        o.jitHot = parseJitHot(name, value(name, inline));
        break;
      case "-g":
      case "--gdb":
        o.gdb = integer(name, value(name, inline), 0, 65535);
        break;
      default:
        throw new UsageError(`unknown option '${a}' for run (try hartscope --help)`);
    }
  }
  const prog = args[i];
  if (prog === undefined)
    throw new UsageError("run: missing program (usage: hartscope run [OPTIONS] PROG [ARGS...])");
  o.prog = prog;
  o.args = args.slice(i + 1);
  if (envEdits.clear || envEdits.edits.length > 0) o.env = guestEnvironment(envEdits, env);
  return o;
}

async function disasmCommand(args: string[]): Promise<number> {
  let prog: string | undefined;
  let func: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--func" || a.startsWith("--func=")) {
      func = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i];
      if (func === undefined || func === "") throw new UsageError("--func needs a function name");
    } else if (a.startsWith("-") && a !== "-") {
      throw new UsageError(`unknown option '${a}' for disasm (try hartscope --help)`);
    } else if (prog === undefined) prog = a;
    else throw new UsageError(`disasm: unexpected argument '${a}'`);
  }
  if (prog === undefined)
    throw new UsageError("disasm: missing program (usage: hartscope disasm PROG [--func NAME])");
  const elf = parseElf(readProgram(prog), prog);
  // Loaded on demand: `run` does not need the listing code.
  const { disassembleElf } = await import("./disasm.js");
  out(disassembleElf(elf, { func }));
  return 0;
}

async function dispatch(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
      err(USAGE.trimEnd());
      return EXIT_USAGE;
    case "--help":
    case "-h":
    case "help":
      out(USAGE);
      return 0;
    case "--version":
    case "-V":
      out(`hartscope ${version()}\n`);
      return 0;
    case "trace": {
      if (isHelp(rest[0])) {
        out(USAGE);
        return 0;
      }
      const { parseTraceArgs, traceCommand } = await import("./trace.js");
      return traceCommand(parseTraceArgs(rest, (a) => parseRunArgs(a, process.env)));
    }
    case "system": {
      if (isHelp(rest[0])) {
        out(USAGE);
        return 0;
      }
      const { parseSystemArgs, systemCommand } = await import("./system.js");
      return systemCommand(parseSystemArgs(rest, process.env));
    }
    case "run":
    case "disasm":
      if (isHelp(rest[0])) {
        out(USAGE);
        return 0;
      }
      return cmd === "run" ? runCommand(parseRunArgs(rest, process.env)) : disasmCommand(rest);
    default:
      throw new UsageError(`unknown command '${cmd}' (try hartscope --help)`);
  }
}

/** What bin/hartscope.js hands the CLI. */
export interface Host {
  /** V8's code cache (src/cli/cache.ts) for the source hartscope generates at run time */
  codeCache?: CodeCache;
}

/** Run the command line `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[], host: Host = {}): Promise<number> {
  if (host.codeCache) setSourceCompiler(sourceCompiler(host.codeCache, "interpreter"));
  try {
    return await dispatch(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`hartscope: ${e.message}`);
      return EXIT_USAGE;
    }
    if (e instanceof FileError || e instanceof LoadError) {
      err(`hartscope: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof ElfError) {
      err(`hartscope: ${e.message}`);
      return 126;
    }
    const msg = e instanceof Error ? e.message : String(e);
    err(`hartscope: internal error: ${msg}`);
    if (process.env.HARTSCOPE_DEBUG && e instanceof Error && e.stack) err(e.stack);
    return EXIT_INTERNAL;
  }
}
