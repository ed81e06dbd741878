// A full system as QEMU's `virt` machine boots it: RAM, the virt devices, N harts reset into M-mode
// at the firmware's entry with a0 = hartid and a1 = the device tree's address, every trap taken by
// the hart's own trap vector (Hart.takeTrap), and a deterministic round-robin scheduler that lets
// virtual time pass when every hart waits in WFI.
//
// The system runs in slices (`step`), so a console can feed input between them; `runToEnd` runs one
// to its end with no input (tests, batch runs).

import { TIMEBASE_NS } from "../hart/csr.js";
import type { Hart } from "../hart/hart.js";
import type { JitOptions } from "../hart/jit/hart-jit.js";
import { PAGE_SIZE } from "../hart/page.js";
import { HartState, RES, RES_VALID } from "../hart/state.js";
import { Stop } from "../hart/stop.js";
import { Bus } from "../machine/bus.js";
import type { Clint } from "../machine/devices/clint.js";
import { addRamExcept, Htif, type HtifFinish } from "../machine/devices/htif.js";
import type { Ns16550a } from "../machine/devices/ns16550a.js";
import type { Finish } from "../machine/devices/sifive-test.js";
import { attachVirtDevices } from "../machine/devices/virt.js";
import { VIRT } from "../machine/devices/virt-map.js";
import type { VirtioDevice } from "../machine/devices/virtio-mmio.js";
import { virtDeviceTree } from "../machine/fdt.js";
import { Machine } from "../machine/machine.js";
import { PhysicalMemory } from "../machine/physical-memory.js";
import { Prng } from "../machine/prng.js";
import {
  checkPlacement,
  dtbAddress,
  ImageError,
  initrdStart,
  kernelStartAfter,
  type LoadedImage,
  type Placed,
  placeImage,
  symbolPa,
} from "./images.js";
import { SbiFirmware } from "./sbi/firmware.js";

export const DEFAULT_SYSTEM_QUANTUM = 10_000;

/**
 * Virtual ns per instruction retired: 50 (20 million instructions per virtual second). A guest's
 * time-based delay is a loop polling the `time` CSR or mtime (U-Boot's udelay and autoboot
 * countdown); such a loop runs at about 20 million instructions per host second (each read of the
 * clock leaves compiled code), so a delay takes about as long in wall time as on QEMU, where time
 * is the host's. Waits in WFI take no wall time at all: the machine skips ahead to the wake-up.
 */
export const SYSTEM_NS_PER_INSTRUCTION = 50;

/**
 * With a firmware, a2 points at OpenSBI's fw_dynamic info (magic "OSBI", version 2, the next
 * stage's address and mode, options, the boot hart), as QEMU's reset vector leaves it; QEMU keeps
 * it in its boot ROM at 0x1000, which is a RAM page here (not in the device tree, as on QEMU).
 */
export const BOOT_ROM = { base: 0x1000, size: 0x1000 } as const;
export const FW_DYNAMIC_INFO = BOOT_ROM.base + 0x40;
const FW_DYNAMIC_MAGIC = 0x4942534f;
const FW_DYNAMIC_VERSION = 2;
const NEXT_MODE_S = 1;
export const MAX_HARTS = 8;
/** Where the built-in SBI firmware's kernel goes, from RAM's start: where fw_jump jumps. */
export const SBI_KERNEL_OFFSET = 0x20_0000;

/** One image file: its name (for messages) and bytes. */
export interface ImageFile {
  path: string;
  bytes: Uint8Array;
}

export interface SystemConfig {
  /** RAM size in bytes */
  memory: number;
  harts: number;
  /** the firmware; undefined: the kernel runs in M-mode (QEMU's -bios none), or see `sbi` */
  bios?: ImageFile;
  /**
   * No firmware image: hartscope's built-in SBI firmware (sbi/firmware.ts) serves the kernel, which
   * runs in S-mode (a raw one at 0x8020_0000, where QEMU puts it after OpenSBI)
   */
  sbi?: boolean;
  kernel?: ImageFile;
  initrd?: ImageFile;
  /** the kernel's command line (/chosen/bootargs) */
  append?: string;
  /** instructions a hart runs before the next one's turn */
  quantum?: number;
  /** each turn's quantum drawn from 1 .. 2 * quantum by a PRNG with this seed (same seed, same run) */
  scheduleSeed?: number;
  jit?: Partial<JitOptions> | false;
  /** the UART's transmitted bytes */
  output: (bytes: Uint8Array) => void;
  virtio?: readonly VirtioDevice[];
  warn?: (message: string) => void;
  /** stop after this much machine time (ns) */
  timeoutNs?: number;
  /** "virtual" (default: deterministic, SYSTEM_NS_PER_INSTRUCTION) or "realtime" (the host's clock) */
  clock?: "virtual" | "realtime";
}

/** How a run ended: the exit status a shell sees, and a line to say (if any). */
export interface Outcome {
  status: number;
  message?: string;
}

/** The status `hartscope system` exits with when --timeout stops it (as timeout(1) does). */
export const EXIT_TIMEOUT = 124;

/** Consecutive traps with no instruction retired before a hart is declared stuck. */
const TRAP_LOOP = 64;
/** Instructions a hart runs per runHart call, so a WFI ends its turn soon after. */
const CHUNK = 4096;

const hex = (n: number): string => `0x${n.toString(16)}`;

/** What a debugger (gdb/system-target.ts) asks of a step: which harts run, and which by one instruction. */
export interface StepControl {
  /** only these harts (indices) run; the others keep still */
  only?: ReadonlySet<number>;
  /** this hart's turns are one instruction long */
  single?: number;
}

export class FullSystem {
  readonly bus: Bus;
  readonly mem: PhysicalMemory;
  readonly machine: Machine;
  readonly uart: Ns16550a;
  readonly dtb: Uint8Array;
  readonly dtbAddress: number;
  /** where every hart starts */
  readonly entry: number;
  readonly htif: Htif | undefined;
  /** the built-in SBI firmware, when it serves the kernel */
  readonly sbi: SbiFirmware | undefined;
  /** machine resets so far (the finisher's 0x7777, SBI's system_reset reboot) */
  resets = 0;
  private readonly hartList: Hart[] = [];
  private readonly pieces: Placed[];
  private readonly clint: Clint;
  private readonly hasFirmware: boolean;
  private resetPending = false;
  /** draws each turn's quantum */
  private readonly prng: Prng;
  private readonly seeded: boolean;
  /** the hart's last run ended at a WFI with nothing to take: it sleeps until waiting() is false */
  private readonly asleep: boolean[];
  /** the hart's last turn ended at a WFI that could not wait (Hart.wfiSpins) */
  private readonly spinning: boolean[];
  private readonly stuck: number[];
  private readonly quantum: number;
  private readonly timeoutNs: number;
  private next = 0;
  /** the hart whose turn was last */
  private lastTurn = -1;
  /** each hart's reserved word (LR/SC) when its last turn ended */
  private readonly reserved: (string | undefined)[] = [];
  private ended: Outcome | undefined;
  /** a probe's hook stopped a hart (Stop.PROBE: a debugger's breakpoint): step returns */
  private paused = false;

  constructor(c: SystemConfig) {
    if (!Number.isInteger(c.harts) || c.harts < 1 || c.harts > MAX_HARTS) {
      throw new ImageError(`--smp must be from 1 to ${MAX_HARTS} (got ${c.harts})`);
    }
    if (c.bios === undefined && c.kernel === undefined) {
      throw new ImageError("nothing to run: give --kernel, or --bios with a firmware");
    }
    if (c.sbi && c.bios !== undefined)
      throw new ImageError("the built-in SBI firmware and --bios exclude each other");
    if (c.sbi && c.kernel === undefined)
      throw new ImageError("the built-in SBI firmware needs a --kernel to serve");
    const ram = VIRT.dram.base;
    // the images, where QEMU puts them
    const pieces: Placed[] = [];
    let firmware: LoadedImage | undefined;
    if (c.bios !== undefined) {
      firmware = placeImage("--bios", c.bios.path, c.bios.bytes, ram);
      pieces.push(...firmware.pieces);
    }
    let kernel: LoadedImage | undefined;
    if (c.kernel !== undefined) {
      // after the firmware, at the next 2 MiB boundary; the built-in one takes no RAM, but the kernel
      // goes where it would go after OpenSBI, as on QEMU with -bios default
      const at = c.sbi
        ? ram + SBI_KERNEL_OFFSET
        : firmware === undefined
          ? ram
          : kernelStartAfter(firmware.end);
      kernel = placeImage("--kernel", c.kernel.path, c.kernel.bytes, at);
      pieces.push(...kernel.pieces);
    }
    let initrd: { start: number; end: number } | undefined;
    if (c.initrd !== undefined) {
      const kernelStart = kernel !== undefined ? Math.min(...kernel.pieces.map((p) => p.pa)) : ram;
      const start = initrdStart(kernelStart, c.memory);
      initrd = { start, end: start + c.initrd.bytes.length };
      pieces.push({ what: `--initrd ${c.initrd.path}`, pa: start, bytes: c.initrd.bytes, zeros: 0 });
    }
    this.dtb = virtDeviceTree({ harts: c.harts, ramSize: c.memory, bootargs: c.append, initrd });
    this.dtbAddress = dtbAddress(c.memory, this.dtb.length);
    pieces.push({ what: "the device tree", pa: this.dtbAddress, bytes: this.dtb, zeros: 0 });
    checkPlacement(pieces, c.memory);
    this.entry = (firmware ?? kernel)!.entry;

    // HTIF, when the kernel (or the firmware) is an ELF with `tohost`
    const elf = kernel?.elf ?? firmware?.elf;
    const tohost = elf === undefined ? undefined : symbolPa(elf, "tohost");
    if (tohost !== undefined) {
      const fromhost = symbolPa(elf!, "fromhost");
      this.htif = new Htif({
        tohost,
        fromhost,
        finish: (f) => this.htifFinished(f),
        output: c.output,
      });
    }

    this.bus = new Bus({ hostBytes: c.memory + 3 * PAGE_SIZE });
    addRamExcept(this.bus, "ram", ram, c.memory, this.htif?.pages ?? []);
    if (firmware !== undefined) this.bus.addRam("boot-rom", BOOT_ROM.base, BOOT_ROM.size);
    this.htif?.map(this.bus);
    this.mem = new PhysicalMemory(this.bus);
    this.machine = new Machine(this.mem, {
      jit: c.jit,
      nsPerInstruction: SYSTEM_NS_PER_INSTRUCTION,
      realtime: c.clock === "realtime",
      env: { trap: (hart) => (this.sbi !== undefined ? this.sbi.trap(hart) : hart.takeTrap()) },
    });
    const devices = attachVirtDevices({
      bus: this.bus,
      dma: this.mem,
      harts: c.harts,
      pins: { set: (hart, bit, level) => this.hartList[hart]?.setInterruptPin(bit, level) },
      events: this.machine.events,
      now: () => this.machine.now(),
      output: c.output,
      finish: (f) => this.finished(f),
      virtio: c.virtio,
      warn: c.warn,
    });
    this.uart = devices.uart;
    this.clint = devices.clint;
    this.pieces = pieces;
    this.hasFirmware = firmware !== undefined;
    this.loadImages();
    if (firmware !== undefined) {
      const next = kernel === undefined ? kernelStartAfter(firmware.end) : kernel.entry;
      const info = new BigUint64Array([
        BigInt(FW_DYNAMIC_MAGIC),
        BigInt(FW_DYNAMIC_VERSION),
        BigInt(next),
        BigInt(NEXT_MODE_S),
        0n, // options
        0n, // boot hart
      ]);
      this.mem.write(FW_DYNAMIC_INFO, new Uint8Array(info.buffer));
    }
    for (let id = 0; id < c.harts; id++) this.hartList.push(this.machine.addHart(new HartState(), id));
    this.sbi = c.sbi
      ? new SbiFirmware(
          {
            harts: () => this.hartList,
            bus: this.bus,
            mem: this.mem,
            powerOff: () => this.end({ status: 0 }),
            reboot: () => this.requestReset(),
          },
          c.harts,
        )
      : undefined;
    this.asleep = this.hartList.map(() => false);
    this.spinning = this.hartList.map(() => false);
    this.stuck = this.hartList.map(() => 0);
    this.resetHarts();
    this.quantum = c.quantum ?? DEFAULT_SYSTEM_QUANTUM;
    this.seeded = c.scheduleSeed !== undefined;
    this.prng = new Prng(c.scheduleSeed ?? 0);
    this.timeoutNs = c.timeoutNs ?? Number.POSITIVE_INFINITY;
  }

  /** Copy the images into RAM, their .bss zeroed (at power-on RAM is zero already). */
  private loadImages(): void {
    for (const p of this.pieces) {
      if (this.htif !== undefined) this.htif.load(this.mem, p.pa, p.bytes);
      else this.mem.write(p.pa, p.bytes);
      if (this.resets > 0 && p.zeros > 0) this.mem.write(p.pa + p.bytes.length, new Uint8Array(p.zeros));
    }
  }

  /** Every hart out of reset at the entry (a0 = hartid, a1 = the tree), or the SBI firmware's boot. */
  private resetHarts(): void {
    for (const [id, hart] of this.hartList.entries()) {
      hart.reset(this.entry);
      hart.state.setX(10, id); // a0: hartid
      hart.state.setX(11, this.dtbAddress); // a1: the device tree
      if (this.hasFirmware) hart.state.setX(12, FW_DYNAMIC_INFO); // a2: fw_dynamic's info
      this.asleep[id] = false;
      this.stuck[id] = 0;
    }
    this.sbi?.boot(this.entry, this.dtbAddress);
  }

  /** A reset asked for inside a hart's run: done between turns (no hart runs then). */
  private requestReset(): void {
    this.resetPending = true;
  }

  /**
   * The machine's reset, as QEMU's system reset: the images loaded again (RAM elsewhere keeps its
   * contents), the CLINT and every hart reset, the firmware (built-in or not) starting over.
   * The PLIC, the UART and the virtio devices keep their state: kernels set them up again.
   */
  private reset(): void {
    this.resetPending = false;
    this.resets++;
    this.loadImages();
    this.clint.reset();
    this.resetHarts();
    this.next = 0;
  }

  harts(): readonly Hart[] {
    return this.hartList;
  }

  /** Instructions retired by every hart. */
  get retired(): number {
    return this.machine.retired;
  }

  /** How the run ended, once it has. */
  get outcome(): Outcome | undefined {
    return this.ended;
  }

  /** The index of the hart whose turn was last (-1 before the first). */
  get lastHart(): number {
    return this.lastTurn;
  }

  /** End the run now with `o` (a debugger killed it). */
  end(o: Outcome): void {
    this.ended ??= o;
  }

  private finished(f: Finish): void {
    if (f.kind === "pass") this.end({ status: 0 });
    else if (f.kind === "fail") {
      this.end({ status: f.code, message: `the guest reported failure ${f.code} to the test finisher` });
    } else this.requestReset();
  }

  private htifFinished(f: HtifFinish): void {
    if (f.kind === "pass") this.end({ status: 0 });
    else if (f.kind === "fail") this.end({ status: f.exitCode, message: f.message });
    else this.end({ status: 1, message: f.message });
  }

  /**
   * Run about `budget` instructions (all harts together). Returns the outcome once the run has
   * ended, "idle" when every hart waits for an interrupt no event will bring (only input can), or
   * undefined to be called again (also at once when a probe's hook stopped a hart). A debugger's
   * `control` holds harts still, or runs one by single instructions.
   */
  step(budget: number, control?: StepControl): Outcome | "idle" | undefined {
    const m = this.machine;
    const stopAt = m.retired + budget;
    this.paused = false;
    while (this.ended === undefined && m.retired < stopAt && !this.paused) {
      if (m.now() >= this.timeoutNs) {
        this.end({
          status: EXIT_TIMEOUT,
          message: `timeout: ${this.timeoutNs / 1e9} s of ${m.realtime ? "real" : "virtual"} time passed (${m.retired} instructions retired)`,
        });
        break;
      }
      let ran = false;
      const n = this.hartList.length;
      for (let k = 0; k < n && this.ended === undefined && !this.paused; k++) {
        if (this.resetPending) this.reset();
        const i = (this.next + k) % n;
        const hart = this.hartList[i]!;
        if (control?.only !== undefined && !control.only.has(i)) continue;
        if (this.sbi !== undefined && !this.sbi.runnable(i)) continue;
        if (this.asleep[i]) {
          if (hart.waiting()) continue;
          this.asleep[i] = false;
        }
        ran = true;
        this.turn(i, hart, i === control?.single ? 1 : this.quantumOfTurn());
      }
      this.next = (this.next + 1) % n;
      if (this.resetPending && this.ended === undefined) {
        this.reset();
        continue;
      }
      if (this.paused) break;
      if (!ran && this.ended === undefined) {
        const wake = this.wakeTime();
        if (wake === Number.POSITIVE_INFINITY) return "idle";
        if (wake <= m.now()) {
          // nothing to wait for after all: run them (a WFI may complete at any time)
          this.asleep.fill(false);
          continue;
        }
        m.idleUntil(Math.min(wake, this.timeoutNs));
        // on the host's clock that was a sleep: give the caller (the console) its turn
        if (m.realtime) return this.ended;
      }
    }
    return this.ended;
  }

  /** Hart i's turn: up to `length` instructions, cut short by a WFI or the run's end. */
  private turn(i: number, hart: Hart, length: number): void {
    if (this.lastTurn !== i) {
      // Other harts ran since this one's last turn: its reservation is lost if they changed the
      // reserved word (the A extension lets an SC fail whenever another hart stored there; a
      // store of the same value back goes unnoticed, which no lock algorithm can tell apart).
      // Dropping every reservation at each switch would be allowed too, but with a fixed quantum
      // it can lock a hart's turns in phase with its lock loop, so that it is always preempted
      // holding the lock and the others never take it.
      if (this.reserved[i] !== undefined && this.reserved[i] !== reservedWord(hart)) hart.clearReservation();
      this.lastTurn = i;
    }
    this.runTurn(i, hart, length);
    this.reserved[i] = reservedWord(hart);
  }

  private runTurn(i: number, hart: Hart, length: number): void {
    let left = length;
    while (left > 0 && this.ended === undefined && !this.resetPending) {
      if (this.sbi !== undefined && !this.sbi.runnable(i)) return;
      const before = hart.retired;
      const spins = hart.wfiSpins;
      const stop = this.machine.runHart(hart, Math.min(left, CHUNK));
      const ran = hart.retired - before;
      left -= ran;
      if (stop === Stop.PROBE) {
        this.paused = true;
        return;
      }
      if (stop === Stop.BUDGET) {
        this.stuck[i] = 0;
        if (hart.wfi) {
          this.asleep[i] = true;
          return;
        }
        // A WFI in a loop that cannot wait (an interrupt pending but masked: OpenSBI 1.1's harts
        // before HSM start): while another hart has work, the turn passes to it instead of spinning
        this.spinning[i] = hart.wfiSpins !== spins;
        if (this.spinning[i] && this.othersWorking(i)) return;
        if (ran === 0) return;
        continue;
      }
      // a trap, taken by the hart's vector already (the environment)
      if (ran === 0) {
        if (++this.stuck[i]! >= TRAP_LOOP) {
          this.end({
            status: 1,
            message: `hart ${i}: every trap traps again at once (mcause ${hex(hart.cause)}, pc ${hex(hart.state.pc)}; is the trap vector set?)`,
          });
          return;
        }
      } else this.stuck[i] = 0;
    }
  }

  /** Whether a hart other than i is awake and not spinning at a WFI (see turn). */
  private othersWorking(i: number): boolean {
    for (let j = 0; j < this.asleep.length; j++) {
      if (j !== i && !this.asleep[j] && !this.spinning[j]) return true;
    }
    return false;
  }

  /**
   * A turn's length. With a schedule seed: from 1 to 2 * quantum. Without: the quantum within
   * 1/8 either way, drawn from seed 0 (as deterministic). Exactly the same length every turn can lock
   * a hart's turns in phase with a spinlock loop whose length divides it, the hart then always
   * preempted holding the lock and the others spinning through their turns: a livelock that
   * concurrent harts never see.
   */
  private quantumOfTurn(): number {
    const q = this.quantum;
    if (this.seeded) return 1 + (this.prng.nextU32() % (2 * q));
    const spread = Math.max(1, q >> 3);
    return q - spread + (this.prng.nextU32() % (2 * spread + 1));
  }

  /** When the next event or a sleeping hart's Sstc timer is due (ns of virtual time). */
  private wakeTime(): number {
    let t = this.machine.events.next();
    for (const h of this.hartList) {
      const d = h.timerDeadline();
      if (d !== Number.POSITIVE_INFINITY) t = Math.min(t, d * TIMEBASE_NS);
    }
    return t;
  }

  /** Run to the end with no console input; "idle" becomes the error it is then. */
  runToEnd(budget = 1 << 20): Outcome {
    for (;;) {
      const r = this.step(budget);
      if (r === "idle") return idleOutcome();
      if (r !== undefined) return r;
    }
  }
}

/** The bytes of the hart's LR reservation as a string, or undefined without one. */
function reservedWord(hart: Hart): string | undefined {
  const r = hart.state.r;
  const size = r[RES_VALID]!;
  if (size === 0) return undefined;
  const bytes = hart.view().read(r[RES + 1]! * 4294967296 + (r[RES]! >>> 0), size);
  return bytes === undefined ? undefined : bytes.join(",");
}

/** Every hart waits in WFI, no event is due and no input can come. */
export function idleOutcome(): Outcome {
  return { status: 1, message: "all harts wait for an interrupt that can never come" };
}

export { ImageError };
