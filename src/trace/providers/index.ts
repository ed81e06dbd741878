// The probes a traced program has: dtrace (BEGIN, END, ERROR), syscall, proc, fbt and kinst from
// the function symbols of the program and of the shared objects it loads (placed when the loader
// maps each), and profile-N / tick-N made on demand from a description. Each probe knows how to
// put a firing function on the machine's probe seam.

import { realpathSync } from "node:fs";
import { type ElfFile, PT_LOAD, SHN_UNDEF, STT_FUNC } from "../../elf/elf.js";
import { preferSymbol } from "../../elf/symbols.js";
import type { HartView } from "../../hart/probe-sink.js";
import { disassemble } from "../../isa/disasm.js";
import {
  type EventRegistration,
  type LinuxEvents,
  linuxEvents,
  type ModuleLoad,
} from "../../linux-user/events.js";
import { allSyscalls } from "../../linux-user/syscall-names.js";
import type { InstructionHook, Probes, Registration } from "../../machine/probes.js";
import { type SymbolResolver, SymbolTable } from "../runtime/symbols.js";
import { fieldMatches, hasGlob } from "./glob.js";
import type { ObjectModule } from "./objects.js";
import { procProbes } from "./proc.js";

export { fieldMatches, globRegExp, hasGlob } from "./glob.js";
export { dynamicObjects, neededLibraries, type ObjectModule } from "./objects.js";

/** What a probe calls when it fires: the hart's view and the provider's arguments (undefined: a0..a7). */
export type Fire = (view: HartView, args: readonly bigint[] | undefined) => void;

/** Where probes attach: the seam, and the tracer's own BEGIN/END/ERROR lists. */
export interface AttachTarget {
  readonly seam: Probes;
  readonly special: { BEGIN: Fire[]; END: Fire[]; ERROR: Fire[] };
}

export interface Probe {
  readonly id: number;
  readonly provider: string;
  readonly module: string;
  readonly function: string;
  readonly name: string;
  /** text for -l after the name (kinst: the instruction) */
  detail(): string;
  /** Puts `fire` on the seam; returns what removes it. */
  attach(fire: Fire, target: AttachTarget): () => void;
}

export interface DescriptionFields {
  readonly provider: string;
  readonly module: string;
  readonly function: string;
  readonly name: string;
}

interface FunctionSymbol {
  readonly name: string;
  readonly address: number;
  readonly size: number;
}

/** The bytes of the loaded image at [va, va+len), from the file's PT_LOAD segments. */
function imageBytes(elf: ElfFile, bias: number, va: number, len: number): Uint8Array | undefined {
  for (const ph of elf.phdrs) {
    if (ph.type !== PT_LOAD) continue;
    const start = ph.vaddr + bias;
    if (va >= start && va + len <= start + ph.filesz) {
      const off = ph.offset + (va - start);
      return elf.bytes.subarray(off, off + len);
    }
  }
  return undefined;
}

/** Leading underscores: an implementation name (`__libc_malloc`) rather than the public one. */
const underscores = (name: string) => /^_*/.exec(name)![0].length;

/**
 * One name per function address, sized, ascending: of aliases, the public name (`malloc`, not
 * `__libc_malloc`: fewest leading underscores), else the one objdump labels it with.
 */
export function functionSymbols(elf: ElfFile, bias = 0): FunctionSymbol[] {
  const funcs = elf.symbols.filter((s) => s.type === STT_FUNC && s.shndx !== SHN_UNDEF);
  funcs.sort((a, b) => a.value - b.value || underscores(a.name) - underscores(b.name) || preferSymbol(a, b));
  const out: FunctionSymbol[] = [];
  for (let i = 0; i < funcs.length; i++) {
    const s = funcs[i]!;
    if (out.length > 0 && out[out.length - 1]!.address === s.value + bias) continue;
    let size = s.size;
    if (size === 0) {
      // crt's local functions (frame_dummy...) have no size: they end where the next one starts
      const next = funcs.slice(i + 1).find((n) => n.value > s.value && n.shndx === s.shndx);
      size = next === undefined ? 0 : Math.min(next.value - s.value, 4096);
    }
    if (size > 0) out.push({ name: s.name, address: s.value + bias, size });
  }
  return out;
}

interface Instruction {
  offset: number;
  raw: number;
  len: number;
}

/** Instruction offsets of a function (walking the length bits: 16-bit unless the low bits are 11). */
function instructions(code: Uint8Array): Instruction[] {
  const out: Instruction[] = [];
  walk(code, (offset, raw, len) => {
    out.push({ offset, raw, len });
  });
  return out;
}

/** Calls `each` for every instruction of `code` in order; returns how many there were. */
function walk(code: Uint8Array, each: (offset: number, raw: number, len: number) => void): number {
  let n = 0;
  for (let off = 0; off + 2 <= code.length; n++) {
    const lo = code[off]! | (code[off + 1]! << 8);
    if ((lo & 3) === 3) {
      if (off + 4 > code.length) break;
      each(off, (lo | (code[off + 2]! << 16) | (code[off + 3]! << 24)) >>> 0, 4);
      off += 4;
    } else {
      each(off, lo, 2);
      off += 2;
    }
  }
  return n;
}

/** `ret` (jalr x0, 0(ra)) and c.jr ra. */
const isReturn = (raw: number, len: number) => (len === 2 ? raw === 0x8082 : raw === 0x00008067);

/** The target offset of `j` (jal x0) and `c.j`, or undefined for any other instruction. */
function jumpOffset(raw: number, len: number): number | undefined {
  if (len === 4) {
    if ((raw & 0xfff) !== 0x06f) return undefined; // jal with rd = x0
    const imm =
      (((raw >>> 31) & 1) << 20) |
      (((raw >>> 21) & 0x3ff) << 1) |
      (((raw >>> 20) & 1) << 11) |
      (((raw >>> 12) & 0xff) << 12);
    return (imm << 11) >> 11;
  }
  if ((raw & 0xe003) !== 0xa001) return undefined; // c.j (RVC quadrant 1, funct3 101)
  const imm =
    (((raw >>> 12) & 1) << 11) |
    (((raw >>> 11) & 1) << 4) |
    (((raw >>> 9) & 3) << 8) |
    (((raw >>> 8) & 1) << 10) |
    (((raw >>> 7) & 1) << 6) |
    (((raw >>> 6) & 1) << 7) |
    (((raw >>> 3) & 7) << 1) |
    (((raw >>> 2) & 1) << 5);
  return (imm << 20) >> 20;
}

const A0 = 10;

export interface ProbeListOptions {
  elf: ElfFile;
  /** the module name (the program's file name) */
  module: string;
  /** load bias of a PIE */
  bias?: number;
  /** a dynamic program's interpreter and shared objects (objects.ts: dynamicObjects) */
  objects?: readonly ObjectModule[];
}

/** A function of a module: addresses before the module's bias. */
interface Func {
  readonly name: string;
  readonly va: number;
  readonly size: number;
  readonly code: Uint8Array | undefined;
  /** offsets of its returns and tail calls */
  readonly rets: number[];
}

/** An ELF object with probes: the program, or a shared object placed when it is mapped. */
interface Module {
  readonly name: string;
  readonly elf: ElfFile;
  /** known now (the program, the interpreter), or undefined until the loader maps it */
  readonly bias: number | undefined;
  /** the program's own symbols print without a module name (%a: main+0x1c) */
  readonly isProgram: boolean;
  /** the host file the probes were made from (shared objects) */
  readonly hostPath: string | undefined;
  readonly funcs: Func[];
}

/** Where one probe goes at one place of its module: what to add to addresses, whose memory to mark. */
interface Place {
  readonly bias: number;
  /** the hart whose memory to mark (undefined: the running one's) */
  readonly markIn: number | undefined;
  /** the hook to register for `fire`: it fires only in processes that have the module here */
  hook(fire: InstructionHook): InstructionHook;
}

/** A probe of a module, put wherever the module is loaded. */
interface PlacedProbe {
  readonly put: (at: Place) => Registration[];
  /** its registrations at each bias */
  readonly regs: Map<number, Registration[]>;
}

/**
 * Attaches a probe of `mod`: placed where the module is loaded now (the program; the interpreter),
 * and again wherever a process loads it later — ld.so mapping a shared object, an execve of the
 * program or of a dynamic program whose ld.so and libraries come with it, at the same bias or
 * another. Returns what removes everything placed.
 */
function placed(mod: Module, t: AttachTarget, put: (at: Place) => Registration[]): () => void {
  let all = placements.get(t.seam);
  if (all === undefined) {
    all = { byModule: new Map(), spans: [], overlap: false };
    placements.set(t.seam, all);
  }
  let pl = all.byModule.get(mod);
  if (pl === undefined) {
    pl = new ModulePlacement(mod, t, all);
    all.byModule.set(mod, pl);
  }
  return pl.add(put);
}

interface SeamPlacements {
  readonly byModule: Map<Module, ModulePlacement>;
  /** the address ranges of every module at every bias where it is placed */
  readonly spans: { mod: Module; bias: number; lo: number; hi: number }[];
  /**
   * Two placements cover a common address (a PIE at one bias in one process, ld.so at another in
   * the next): a mark there may belong to either, so a hook checks that the firing process has
   * its module at its bias. Until then every mark is one placement's and hooks fire unchecked.
   */
  overlap: boolean;
}

const placements = new WeakMap<object, SeamPlacements>();

/**
 * One module's probes on one seam, and where the module is loaded in each process: one watcher of
 * module loads and execs however many of its probes are attached (fbt:prog:: places thousands).
 */
class ModulePlacement {
  private readonly probes = new Set<PlacedProbe>();
  /** biases the module is placed at (in some process) */
  private readonly biases = new Set<number>();
  /** the biases it is loaded at in each process seen loading, forking or exec'ing (by pid) */
  private readonly loadedIn = new Map<number, Set<number>>();
  /** execve mapped it into a new image whose first thread has not started (by pid) */
  private readonly pending = new Map<number, Set<number>>();
  private readonly subs: EventRegistration[];
  private readonly events: LinuxEvents;

  constructor(
    private readonly mod: Module,
    private readonly t: AttachTarget,
    private readonly all: SeamPlacements,
  ) {
    this.events = linuxEvents(t.seam);
    if (mod.bias !== undefined) this.addBias(mod.bias);
    this.subs = [
      this.events.onModuleLoad((m) => {
        if (isModule(m, mod)) this.loaded(m);
      }),
      this.events.on("exec-success", (view) => this.execed(view.id)),
      this.events.on("create", (view, args) => {
        // fork: the child has what its parent has, where the parent has it
        const parent = this.events.pidOf(view.id);
        const has = parent === undefined ? undefined : this.loadedIn.get(parent);
        if (has !== undefined) this.loadedIn.set(Number(args[0]), new Set(has));
      }),
    ];
  }

  /** Attach a probe: put it at every bias the module is placed at. */
  add(put: (at: Place) => Registration[]): () => void {
    const probe: PlacedProbe = { put, regs: new Map() };
    this.probes.add(probe);
    for (const bias of this.biases) this.putAt(probe, bias, undefined);
    return () => {
      if (!this.probes.delete(probe)) return;
      for (const regs of probe.regs.values()) for (const r of regs) r.remove();
      if (this.probes.size > 0) return;
      for (const s of this.subs) s.remove();
      this.all.byModule.delete(this.mod);
    };
  }

  /** Whether the process of hart `hartId` has the module at `bias` (unknown processes: its first place). */
  private runsHere(hartId: number, bias: number): boolean {
    const pid = this.events.pidOf(hartId);
    if (pid === undefined) return true;
    const has = this.loadedIn.get(pid);
    return has === undefined ? bias === this.mod.bias : has.has(bias);
  }

  private putAt(probe: PlacedProbe, bias: number, markIn: number | undefined): void {
    if (probe.regs.has(bias)) return;
    const all = this.all;
    const at: Place = {
      bias,
      markIn,
      hook: (fire) => (view) => {
        if (!all.overlap || this.runsHere(view.id, bias)) fire(view);
      },
    };
    probe.regs.set(bias, probe.put(at));
  }

  private addBias(bias: number): void {
    if (this.biases.has(bias)) return;
    this.biases.add(bias);
    const [lo, hi] = extent(this.mod);
    const span = { mod: this.mod, bias, lo: lo + bias, hi: hi + bias };
    if (this.all.spans.some((o) => o.lo < span.hi && span.lo < o.hi)) this.all.overlap = true;
    this.all.spans.push(span);
  }

  /** The module is in the memory of hart `hartId` at `bias`: every probe there, and marked. */
  private placeIn(hartId: number, bias: number): void {
    this.addBias(bias);
    for (const probe of this.probes) this.putAt(probe, bias, hartId);
    // probes already placed at this bias for another process are not marked in this memory yet
    const [lo, hi] = extent(this.mod);
    this.t.seam.markProbed(hartId, lo + bias, hi + bias);
  }

  private loaded(m: ModuleLoad): void {
    if (m.via === "exec") {
      // the new image's first thread does not exist yet: placed at exec-success
      const p = this.pending.get(m.pid) ?? new Set<number>();
      p.add(m.bias);
      this.pending.set(m.pid, p);
      return;
    }
    let has = this.loadedIn.get(m.pid);
    if (has === undefined) {
      has = new Set(this.mod.bias === undefined ? [] : [this.mod.bias]);
      this.loadedIn.set(m.pid, has);
    }
    has.add(m.bias);
    if (m.hart !== undefined) this.placeIn(m.hart, m.bias);
  }

  /** A process's new image runs on hart `hartId`: what execve mapped of the module is placed there. */
  private execed(hartId: number): void {
    const pid = this.events.pidOf(hartId);
    if (pid === undefined) return;
    const biases = this.pending.get(pid) ?? new Set<number>();
    this.pending.delete(pid);
    // the old image's places are gone with it
    this.loadedIn.set(pid, new Set(biases));
    for (const bias of biases) this.placeIn(hartId, bias);
  }
}

/** The lowest and highest-plus-one address of a module's functions (before its bias). */
const extents = new WeakMap<Module, [number, number]>();
function extent(mod: Module): [number, number] {
  let e = extents.get(mod);
  if (e === undefined) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = 0;
    for (const f of mod.funcs) {
      lo = Math.min(lo, f.va);
      hi = Math.max(hi, f.va + Math.max(f.size, 2));
    }
    e = [lo, hi];
    extents.set(mod, e);
  }
  return e;
}

/** The same host file, symlinks resolved (the loader may reach it by another path). */
const realPaths = new Map<string, string>();
function realPath(path: string): string {
  let r = realPaths.get(path);
  if (r === undefined) {
    try {
      r = realpathSync(path);
    } catch {
      r = path;
    }
    realPaths.set(path, r);
  }
  return r;
}

/** Whether a mapped object is `mod`: its name, and the very file its probes were made from. */
function isModule(m: ModuleLoad, mod: Module): boolean {
  if (m.name !== mod.name) return false;
  return (
    mod.hostPath === undefined ||
    (m.hostPath !== undefined && realPath(m.hostPath) === realPath(mod.hostPath))
  );
}

/** A module's functions with their return offsets (one walk each; kinst lists come later). */
function moduleOf(
  name: string,
  elf: ElfFile,
  bias: number | undefined,
  isProgram: boolean,
  hostPath?: string,
): Module {
  const syms = functionSymbols(elf, 0);
  const entries = new Set(syms.map((f) => f.address));
  const funcs = syms.map((f): Func => {
    const code = imageBytes(elf, 0, f.address, f.size);
    const rets: number[] = [];
    if (code !== undefined) {
      walk(code, (offset, raw, len) => {
        if (isReturn(raw, len)) rets.push(offset);
        else {
          // a tail call: a jump out of the function to another function's entry
          const off = jumpOffset(raw, len);
          if (off === undefined) return;
          const target = offset + off;
          if ((target < 0 || target >= f.size) && entries.has(f.address + target)) rets.push(offset);
        }
      });
    }
    return { name: f.name, va: f.address, size: f.size, code, rets };
  });
  return { name, elf, bias, isProgram, hostPath, funcs };
}

/** Every probe of the program, ids from 1 in dtrace's order (dtrace provider first). */
export class ProbeList {
  readonly probes: Probe[] = [];
  /** the program first, then the interpreter and shared objects */
  private readonly modules: Module[];

  constructor(o: ProbeListOptions) {
    const add = (p: Omit<Probe, "id">) => {
      this.probes.push({ ...p, id: this.probes.length + 1 } as Probe);
    };
    const none = () => "";
    for (const name of ["BEGIN", "END", "ERROR"] as const) {
      add({
        provider: "dtrace",
        module: "",
        function: "",
        name,
        detail: none,
        attach: (fire, t) => {
          t.special[name].push(fire);
          return () => {
            const list = t.special[name];
            list.splice(list.indexOf(fire), 1);
          };
        },
      });
    }
    for (const [nr, name] of allSyscalls()) {
      add({
        provider: "syscall",
        module: "",
        function: name,
        name: "entry",
        detail: none,
        attach: (fire, t) => {
          const r = t.seam.onSyscallEntry((view, n, args) => {
            if (n === nr)
              fire(
                view,
                args.map((a) => BigInt.asIntN(64, a)),
              );
          });
          return () => r.remove();
        },
      });
      add({
        provider: "syscall",
        module: "",
        function: name,
        name: "return",
        detail: none,
        attach: (fire, t) => {
          const r = t.seam.onSyscallReturn((view, n, result) => {
            if (n === nr) fire(view, [result, result]);
          });
          return () => r.remove();
        },
      });
    }
    for (const p of procProbes()) add(p);
    this.modules = [
      moduleOf(o.module, o.elf, o.bias ?? 0, true),
      ...(o.objects ?? []).map((m) => moduleOf(m.name, m.elf, m.bias, false, m.hostPath)),
    ];
    for (const mod of this.modules) {
      for (const f of mod.funcs) {
        add({
          provider: "fbt",
          module: mod.name,
          function: f.name,
          name: "entry",
          detail: none,
          // fire(view) leaves the arguments undefined (a0..a7): no wrapper closure per firing
          attach: (fire, t) =>
            placed(mod, t, (at) => [
              t.seam.onInstruction(f.va + at.bias, at.hook(fire as InstructionHook), at.markIn),
            ]),
        });
        if (f.rets.length === 0) continue;
        add({
          provider: "fbt",
          module: mod.name,
          function: f.name,
          name: "return",
          detail: none,
          attach: (fire, t) =>
            placed(mod, t, (at) =>
              f.rets.map((offset) => {
                const off = BigInt(offset);
                return t.seam.onInstruction(
                  f.va + at.bias + offset,
                  at.hook((view) => fire(view, [off, BigInt.asIntN(64, view.x(A0))])),
                  at.markIn,
                );
              }),
            ),
        });
      }
    }
    this.nextId = this.probes.length;
    // kinst: one probe per instruction, made when a description names their function (a static
    // glibc program has ~90,000, libc.so.6 ~250,000); ids are fixed now, in function order
    for (const mod of this.modules) {
      for (const f of mod.funcs) {
        this.kinst.push({ mod, func: f, firstId: this.nextId + 1, made: undefined });
        this.nextId += f.code === undefined ? 0 : walk(f.code, () => {});
      }
    }
  }

  private readonly kinst: { mod: Module; func: Func; firstId: number; made: Probe[] | undefined }[] = [];
  private nextId = 0;

  private kinstProbes(k: ProbeList["kinst"][number]): Probe[] {
    if (k.made !== undefined) return k.made;
    const { func: f, mod } = k;
    k.made = (f.code === undefined ? [] : instructions(f.code)).map((i, n) => ({
      id: k.firstId + n,
      provider: "kinst",
      module: mod.name,
      function: f.name,
      name: String(i.offset),
      detail: () => disassemble(i.raw, f.va + (mod.bias ?? 0) + i.offset).replace(/\t/g, " "),
      attach: (fire: Fire, t: AttachTarget) =>
        placed(mod, t, (at) => [
          t.seam.onInstruction(f.va + at.bias + i.offset, at.hook(fire as InstructionHook), at.markIn),
        ]),
    }));
    return k.made;
  }

  /** Every probe, in id order (kinst made for every function). */
  all(): Probe[] {
    const fixed = this.probes.filter((p) => p.provider !== "profile");
    const timed = this.probes.filter((p) => p.provider === "profile");
    return [...fixed, ...this.kinst.flatMap((k) => this.kinstProbes(k)), ...timed];
  }

  /** Probes matching a description; profile-N and tick-N are created when named. */
  match(d: DescriptionFields): Probe[] {
    const found = this.probes.filter(
      (p) =>
        fieldMatches(d.provider, p.provider) &&
        fieldMatches(d.module, p.module) &&
        fieldMatches(d.function, p.function) &&
        fieldMatches(d.name, p.name),
    );
    if (fieldMatches(d.provider, "kinst")) {
      for (const k of this.kinst) {
        if (!fieldMatches(d.module, k.mod.name) || !fieldMatches(d.function, k.func.name)) continue;
        for (const p of this.kinstProbes(k)) if (fieldMatches(d.name, p.name)) found.push(p);
      }
    }
    if (found.length > 0) return found;
    const timed = this.timedProbe(d);
    return timed === undefined ? [] : [timed];
  }

  /**
   * Names addresses for %a: the program's functions (`main+0x1c`), and those of shared objects with
   * their module (`libc.so.6\`malloc+0x10`), each as soon as the loader has mapped it.
   */
  symbols(seam: Probes): SymbolResolver {
    const table = new SymbolTable();
    const put = (mod: Module, bias: number) =>
      table.add(
        mod.isProgram ? undefined : mod.name,
        mod.funcs.map((f) => ({ name: f.name, address: f.va + bias, size: f.size })),
        loadedSpan(mod.elf, bias),
      );
    for (const mod of this.modules) {
      if (mod.bias !== undefined) put(mod, mod.bias);
    }
    const later = this.modules.filter((m) => m.bias === undefined);
    if (later.length > 0) {
      linuxEvents(seam).onModuleLoad((m) => {
        const mod = later.find((x) => isModule(m, x));
        if (mod !== undefined) put(mod, m.bias);
      });
    }
    return (address) => table.resolve(address);
  }

  /** `profile:::profile-997`, `tick-1s` (dtrace makes these on demand). */
  private timedProbe(d: DescriptionFields): Probe | undefined {
    if (hasGlob(d.name) || !fieldMatches(d.provider, "profile") || d.module !== "" || d.function !== "")
      return undefined;
    const m = /^(profile|tick)-(\d+)([a-z]*)$/.exec(d.name);
    if (m === null) return undefined;
    const ns = intervalNs(Number(m[2]), m[3]!);
    if (ns === undefined) return undefined;
    const existing = this.probes.find((p) => p.provider === "profile" && p.name === d.name);
    if (existing) return existing;
    const perThread = m[1] === "profile";
    const probe: Probe = {
      id: ++this.nextId,
      provider: "profile",
      module: "",
      function: "",
      name: d.name,
      detail: () => "",
      attach: (fire, t) => {
        const r = perThread
          ? t.seam.onTick(ns, (view) => fire(view, [BigInt(view.pc), BigInt(view.pc)]))
          : t.seam.onTimer(ns, (view) =>
              fire(view ?? NO_VIEW, view ? [BigInt(view.pc), BigInt(view.pc)] : [0n, 0n]),
            );
        return () => r.remove();
      },
    };
    this.probes.push(probe);
    return probe;
  }
}

/** The [low, high) addresses a module's PT_LOAD segments cover at `bias`. */
function loadedSpan(elf: ElfFile, bias: number): [number, number] {
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  for (const ph of elf.phdrs) {
    if (ph.type !== PT_LOAD) continue;
    low = Math.min(low, ph.vaddr + bias);
    high = Math.max(high, ph.vaddr + ph.memsz + bias);
  }
  return low < high ? [low, high] : [0, 0];
}

const NO_VIEW: HartView = {
  id: 0,
  pc: 0,
  retired: 0,
  x: () => 0n,
  xNumber: () => 0,
  f: () => 0n,
  read: () => undefined,
};

/** profile-N's rate or period: Hz by default (dtrace), or ns/us/ms/s/sec/m/min/h/hour/d/day/hz. */
export function intervalNs(n: number, unit: string): number | undefined {
  if (!(n > 0)) return undefined;
  const per: Record<string, number> = {
    ns: 1,
    nsec: 1,
    us: 1e3,
    usec: 1e3,
    ms: 1e6,
    msec: 1e6,
    s: 1e9,
    sec: 1e9,
    m: 60e9,
    min: 60e9,
    h: 3600e9,
    hour: 3600e9,
    d: 86400e9,
    day: 86400e9,
  };
  if (unit === "" || unit === "hz") return Math.max(1, Math.round(1e9 / n));
  const k = per[unit];
  return k === undefined ? undefined : n * k;
}
