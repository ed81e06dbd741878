// The probes a traced program has: dtrace (BEGIN, END, ERROR), syscall, fbt and kinst from the
// ELF's function symbols, and profile-N / tick-N made on demand from a description. Each probe
// knows how to put a firing function on the machine's probe seam.

import { type ElfFile, PT_LOAD, SHN_UNDEF, STT_FUNC } from "../../elf/elf.js";
import { preferSymbol } from "../../elf/symbols.js";
import type { HartView } from "../../hart/probe-sink.js";
import { disassemble } from "../../isa/disasm.js";
import { allSyscalls } from "../../linux-user/syscall-names.js";
import type { Probes } from "../../machine/probes.js";
import { fieldMatches, hasGlob } from "./glob.js";

export { fieldMatches, globRegExp, hasGlob } from "./glob.js";

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

/** One name per function address (the preferred one, as objdump labels it), sized, ascending. */
export function functionSymbols(elf: ElfFile, bias = 0): FunctionSymbol[] {
  const funcs = elf.symbols.filter((s) => s.type === STT_FUNC && s.shndx !== SHN_UNDEF);
  funcs.sort((a, b) => a.value - b.value || preferSymbol(a, b));
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

/** Instruction offsets of a function (walking the length bits: 16-bit unless the low bits are 11). */
function instructions(code: Uint8Array): { offset: number; raw: number; len: number }[] {
  const out: { offset: number; raw: number; len: number }[] = [];
  for (let off = 0; off + 2 <= code.length; ) {
    const lo = code[off]! | (code[off + 1]! << 8);
    if ((lo & 3) === 3) {
      if (off + 4 > code.length) break;
      const raw = (lo | (code[off + 2]! << 16) | (code[off + 3]! << 24)) >>> 0;
      out.push({ offset: off, raw, len: 4 });
      off += 4;
    } else {
      out.push({ offset: off, raw: lo, len: 2 });
      off += 2;
    }
  }
  return out;
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
}

/** Every probe of the program, ids from 1 in dtrace's order (dtrace provider first). */
export class ProbeList {
  readonly probes: Probe[] = [];

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
    const bias = o.bias ?? 0;
    const funcs = functionSymbols(o.elf, bias).map((f) => {
      const code = imageBytes(o.elf, 0, f.address - bias, f.size);
      return { ...f, insns: code === undefined ? [] : instructions(code) };
    });
    const entries = new Set(funcs.map((f) => f.address));
    const at = (va: number) => (fire: Fire, t: AttachTarget) => {
      // fire(view) leaves the arguments undefined (a0..a7): no wrapper closure per firing
      const r = t.seam.onInstruction(va, fire as (view: HartView) => void);
      return () => r.remove();
    };
    for (const f of funcs) {
      add({
        provider: "fbt",
        module: o.module,
        function: f.name,
        name: "entry",
        detail: none,
        attach: at(f.address),
      });
      // returns, and tail calls: a jump out of the function to another function's entry
      const rets = f.insns.filter((i) => {
        if (isReturn(i.raw, i.len)) return true;
        const off = jumpOffset(i.raw, i.len);
        if (off === undefined) return false;
        const target = i.offset + off;
        return (target < 0 || target >= f.size) && entries.has(f.address + target);
      });
      if (rets.length === 0) continue;
      add({
        provider: "fbt",
        module: o.module,
        function: f.name,
        name: "return",
        detail: none,
        attach: (fire, t) => {
          const regs = rets.map((i) => {
            const off = BigInt(i.offset);
            return t.seam.onInstruction(f.address + i.offset, (view) =>
              fire(view, [off, BigInt.asIntN(64, view.x(A0))]),
            );
          });
          return () => {
            for (const r of regs) r.remove();
          };
        },
      });
    }
    this.nextId = this.probes.length;
    // kinst: one probe per instruction, made when a description names its function (a static
    // glibc program has ~90,000); ids are fixed now, in function order
    for (const f of funcs) {
      this.kinst.push({ module: o.module, func: f, firstId: this.nextId + 1, made: undefined });
      this.nextId += f.insns.length;
    }
    this.at = at;
  }

  private readonly kinst: {
    module: string;
    func: { name: string; address: number; insns: { offset: number; raw: number; len: number }[] };
    firstId: number;
    made: Probe[] | undefined;
  }[] = [];
  private nextId = 0;
  private at!: (va: number) => Probe["attach"];

  private kinstProbes(k: ProbeList["kinst"][number]): Probe[] {
    if (k.made !== undefined) return k.made;
    const f = k.func;
    k.made = f.insns.map((i, n) => {
      const va = f.address + i.offset;
      return {
        id: k.firstId + n,
        provider: "kinst",
        module: k.module,
        function: f.name,
        name: String(i.offset),
        detail: () => disassemble(i.raw, va).replace(/\t/g, " "),
        attach: this.at(va),
      };
    });
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
        if (!fieldMatches(d.module, k.module) || !fieldMatches(d.function, k.func.name)) continue;
        for (const p of this.kinstProbes(k)) if (fieldMatches(d.name, p.name)) found.push(p);
      }
    }
    if (found.length > 0) return found;
    const timed = this.timedProbe(d);
    return timed === undefined ? [] : [timed];
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
