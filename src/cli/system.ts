// `hartscope system`: boot a whole machine as `qemu-system-riscv64 -M virt -nographic` does — the
// images in RAM, the harts at the firmware's entry, the UART on the terminal (Ctrl-A X quits) — and
// exit with the status the guest asked the test finisher (or HTIF) for.

import { closeSync, openSync, writeFileSync, writeSync } from "node:fs";
import { VirtioBlk } from "../machine/devices/virtio-blk.js";
import type { VirtioDevice } from "../machine/devices/virtio-mmio.js";
import { ImageError, parseMemorySize } from "../system/images.js";
import {
  DEFAULT_SYSTEM_QUANTUM,
  FullSystem,
  type ImageFile,
  idleOutcome,
  MAX_HARTS,
  type Outcome,
} from "../system/system.js";
import { readProgram, UsageError } from "./errors.js";
import { serveGdbOption } from "./gdb-option.js";
import { type JitChoice, jitFromEnv, jitStatsLine, machineJit, parseJit, parseJitHot } from "./jit-option.js";
import { err, writeFd } from "./output.js";

/** jit, jitHot: --jit and --jit-hot */
export interface SystemOptions extends JitChoice {
  kernel?: string;
  /** a firmware file; "none": the kernel runs in M-mode; undefined: the built-in SBI firmware */
  bios?: string;
  initrd?: string;
  append?: string;
  memory: number;
  smp: number;
  quantum: number;
  /** seeded random quanta (--schedule-seed) */
  scheduleSeed?: number;
  clock: "virtual" | "realtime";
  /** seconds of virtual time */
  timeout?: number;
  stats: boolean;
  /** "stdio" or a file to write the UART's output to */
  serial: { kind: "stdio" } | { kind: "file"; path: string };
  dtbOut?: string;
  disks: string[];
  diskWrite: boolean;
  /** -g PORT: serve gdb on this TCP port of the loopback interface (0: any free one) */
  gdb?: number;
}

function integer(opt: string, v: string, min: number, max: number): number {
  const n = /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${opt} must be an integer from ${min} to ${max} (got '${v}')`);
  }
  return n;
}

/** `env`: main's environment (HARTSCOPE_JIT), the only place it is read. */
export function parseSystemArgs(args: string[], env: NodeJS.ProcessEnv = {}): SystemOptions {
  const o: SystemOptions = {
    memory: 128 * 1024 * 1024,
    smp: 1,
    quantum: DEFAULT_SYSTEM_QUANTUM,
    clock: "virtual",
    stats: false,
    serial: { kind: "stdio" },
    disks: [],
    diskWrite: false,
    ...jitFromEnv(env),
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const name = eq >= 0 ? a.slice(0, eq) : a;
    const inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    const flag = (): void => {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
    };
    switch (name) {
      case "--kernel":
        o.kernel = value();
        break;
      case "--bios": {
        const v = value();
        o.bios = v === "default" ? undefined : v;
        break;
      }
      case "--initrd":
        o.initrd = value();
        break;
      case "--append":
        o.append = value();
        break;
      case "-m":
      case "--memory":
        try {
          o.memory = parseMemorySize(value());
        } catch (e) {
          throw new UsageError((e as Error).message);
        }
        break;
      case "--smp":
        o.smp = integer(name, value(), 1, MAX_HARTS);
        break;
      case "--quantum":
        o.quantum = integer(name, value(), 64, 2 ** 31 - 1);
        break;
      case "--clock": {
        const v = value();
        if (v !== "virtual" && v !== "realtime") {
          throw new UsageError(`--clock must be virtual or realtime (got '${v}')`);
        }
        o.clock = v;
        break;
      }
      case "--schedule-seed":
        o.scheduleSeed = integer(name, value(), 0, 2 ** 53 - 1);
        break;
      case "--timeout": {
        const v = value();
        const s = /^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN;
        if (!(s > 0) || !Number.isFinite(s) || s > 1e6) {
          throw new UsageError(`--timeout must be a positive number of seconds (got '${v}')`);
        }
        o.timeout = s;
        break;
      }
      case "--serial": {
        const v = value();
        if (v === "stdio") o.serial = { kind: "stdio" };
        else if (v.startsWith("file:") && v.length > 5) o.serial = { kind: "file", path: v.slice(5) };
        else throw new UsageError(`--serial must be stdio or file:PATH (got '${v}')`);
        break;
      }
      case "--dtb-out":
        o.dtbOut = value();
        break;
      case "--disk":
        o.disks.push(value());
        break;
      case "--disk-write":
        flag();
        o.diskWrite = true;
        break;
      case "--stats":
        flag();
        o.stats = true;
        break;
      case "-g":
      case "--gdb":
        o.gdb = integer(name, value(), 0, 65535);
        break;
      case "--jit":
        Object.assign(o, parseJit(name, value()));
        break;
      case "--jit-hot":
        o.jitHot = parseJitHot(name, value());
        break;
      default:
        throw new UsageError(`unknown option '${a}' for system (try hartscope --help)`);
    }
  }
  if (o.kernel === undefined && (o.bios === undefined || o.bios === "none")) {
    throw new UsageError("system: nothing to boot (give --kernel FILE, or --bios FILE)");
  }
  if (o.disks.length > 8) throw new UsageError(`system: ${o.disks.length} disks (8 virtio slots)`);
  return o;
}

/** QEMU gives the first virtio-mmio device the last slot (0x1000_8000), the next the one before. */
function slotsAsQemu(devices: VirtioDevice[]): VirtioDevice[] {
  const slots: (VirtioDevice | undefined)[] = new Array(8).fill(undefined);
  for (const [i, d] of devices.entries()) slots[7 - i] = d;
  return slots as VirtioDevice[];
}

const image = (path: string | undefined): ImageFile | undefined =>
  path === undefined ? undefined : { path, bytes: readProgram(path) };

/** Console input: stdin's bytes to the UART, Ctrl-A X to quit, and a promise for "more came". */
class ConsoleInput {
  open = true;
  quit = false;
  private escape = false;
  private wake: (() => void) | undefined;
  private readonly raw: boolean;
  private readonly onData = (chunk: Buffer): void => this.data(chunk);
  private readonly onEnd = (): void => {
    this.open = false;
    this.poke();
  };

  constructor(private readonly deliver: (bytes: Uint8Array) => void) {
    const stdin = process.stdin;
    this.raw = stdin.isTTY === true;
    if (this.raw) stdin.setRawMode(true);
    stdin.on("data", this.onData);
    stdin.on("end", this.onEnd);
    stdin.on("error", this.onEnd);
  }

  private data(chunk: Buffer): void {
    const keep: number[] = [];
    for (const b of chunk) {
      if (this.escape) {
        this.escape = false;
        if (b === 0x78 || b === 0x58) {
          this.quit = true; // Ctrl-A X
          break;
        }
        keep.push(b); // Ctrl-A Ctrl-A sends one Ctrl-A; other pairs pass through
        continue;
      }
      if (b === 0x01) this.escape = true;
      else keep.push(b);
    }
    if (keep.length > 0) this.deliver(Uint8Array.from(keep));
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Resolves when input arrives or stdin ends. */
  waitForInput(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  close(): void {
    const stdin = process.stdin;
    stdin.off("data", this.onData);
    stdin.off("end", this.onEnd);
    stdin.off("error", this.onEnd);
    if (this.raw) stdin.setRawMode(false);
    stdin.pause();
    stdin.unref?.();
  }
}

/** Instructions per slice between visits to Node's event loop. */
const SLICE = 1 << 20;

export async function systemCommand(o: SystemOptions): Promise<number> {
  let serialFd: number | undefined;
  if (o.serial.kind === "file") {
    try {
      serialFd = openSync(o.serial.path, "w");
    } catch (e) {
      throw new UsageError(`--serial file:${o.serial.path}: ${(e as Error).message}`);
    }
  }
  const fd = serialFd ?? 1;
  const output =
    serialFd === undefined
      ? (bytes: Uint8Array) => writeFd(1, bytes)
      : (bytes: Uint8Array) => {
          writeSync(fd, bytes);
        };
  const disks: VirtioDevice[] = [];
  let input: ConsoleInput | undefined;
  try {
    for (const path of o.disks) {
      readProgram(path); // a missing file is the same one-line error as a missing image
      try {
        disks.push(new VirtioBlk({ path, writeThrough: o.diskWrite }));
      } catch (e) {
        throw new UsageError(`--disk ${path}: ${(e as Error).message}`);
      }
    }
    let sys: FullSystem;
    try {
      sys = new FullSystem({
        memory: o.memory,
        harts: o.smp,
        bios: o.bios === "none" ? undefined : image(o.bios),
        sbi: o.bios === undefined,
        kernel: image(o.kernel),
        initrd: image(o.initrd),
        append: o.append,
        quantum: o.quantum,
        scheduleSeed: o.scheduleSeed,
        clock: o.clock,
        jit: machineJit(o),
        output,
        virtio: slotsAsQemu(disks),
        warn: err,
        timeoutNs: o.timeout === undefined ? undefined : Math.round(o.timeout * 1e9),
      });
    } catch (e) {
      if (e instanceof ImageError || e instanceof RangeError) throw new UsageError(e.message);
      throw e;
    }
    if (o.dtbOut !== undefined) {
      try {
        writeFileSync(o.dtbOut, sys.dtb);
      } catch (e) {
        throw new UsageError(`--dtb-out ${o.dtbOut}: ${(e as Error).message}`);
      }
    }
    if (o.serial.kind === "stdio") input = new ConsoleInput((b) => sys.uart.receive(b));
    const start = process.hrtime.bigint();
    if (o.gdb !== undefined) await underGdb(sys, o.gdb);
    const outcome = sys.outcome ?? (await runConsole(sys, input));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (outcome.message) err(`hartscope: ${outcome.message}`);
    if (o.stats) {
      const n = sys.retired;
      const mips = seconds > 0 ? n / seconds / 1e6 : 0;
      err(
        `hartscope: retired ${n} instructions in ${seconds.toFixed(3)} s (${mips.toFixed(1)} MIPS), ` +
          `${(sys.machine.now() / 1e9).toFixed(6)} s of ${o.clock === "realtime" ? "real" : "virtual"} time`,
      );
      if (o.jit) err(jitStatsLine(sys.machine.mem, n));
    }
    return outcome.status;
  } finally {
    input?.close();
    if (serialFd !== undefined) closeSync(serialFd);
  }
}

/** Serve gdb (gdb/) until it detaches, kills the machine or sees it end; the console works meanwhile. */
async function underGdb(sys: FullSystem, port: number): Promise<void> {
  const { SystemTarget } = await import("../gdb/system-target.js");
  await serveGdbOption(new SystemTarget(sys), port);
}

/** Run in slices, visiting the event loop between them so console input arrives. */
async function runConsole(sys: FullSystem, input: ConsoleInput | undefined): Promise<Outcome> {
  const yieldToNode = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
  for (;;) {
    const r = sys.step(SLICE);
    if (input?.quit) return { status: 0, message: "terminated by Ctrl-A X" };
    if (r === "idle") {
      // every hart sleeps and only input can wake one
      if (input === undefined || !input.open) return idleOutcome();
      await input.waitForInput();
      if (input.quit) return { status: 0, message: "terminated by Ctrl-A X" };
      continue;
    }
    if (r !== undefined) return r;
    await yieldToNode();
  }
}
