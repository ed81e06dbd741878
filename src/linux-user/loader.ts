// Loading a static, static-pie or (with a sysroot) dynamic riscv64 ELF program the way Linux's
// binfmt_elf does: map the PT_LOAD segments with their protections, load the interpreter named by
// PT_INTERP, place brk after the program, and build the initial stack (argc, argv, envp, auxv)
// as create_elf_tables() lays it out.

import { readFileSync } from "node:fs";
import {
  type ElfFile,
  ET_CORE,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  PF_R,
  PF_W,
  PF_X,
  PT_LOAD,
  PT_PHDR,
  parseElf,
} from "../elf/elf.js";
import { type AddressSpace, OutOfGuestMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from "./address-space.js";
import { ELF_ET_DYN_BASE, MMAP_BASE, PAGE, pageDown, pageUp, STACK_SIZE, STACK_TOP } from "./layout.js";
import { GuestFs } from "./vfs.js";
import type { VmaList } from "./vma.js";

/** The program cannot be run; `exitCode` is what the shell convention says (127 missing, 126 not runnable). */
export class LoadError extends Error {
  override name = "LoadError";
  constructor(
    message: string,
    readonly exitCode = 126,
  ) {
    super(message);
  }
}

// Auxiliary vector keys (include/uapi/linux/auxvec.h)
export const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_FLAGS = 8;
export const AT_ENTRY = 9;
export const AT_UID = 11;
export const AT_EUID = 12;
export const AT_GID = 13;
export const AT_EGID = 14;
export const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_CLKTCK = 17;
export const AT_SECURE = 23;
export const AT_RANDOM = 25;
export const AT_EXECFN = 31;

/** AT_HWCAP on riscv: bit (letter - 'A') for each single-letter extension: rv64imafdc. */
export const HWCAP_RV64IMAFDC = [..."IMAFDC"].reduce((m, c) => m | (1 << (c.charCodeAt(0) - 65)), 0);

/** Highest user address + 1 hartscope accepts for segments (riscv64 Sv48 user half). */
const USER_LIMIT = 2 ** 47;

export interface LoadedImage {
  /** load bias added to every p_vaddr (0 for ET_EXEC) */
  bias: number;
  /** address of the program headers in memory */
  phdr: number;
  entry: number;
  /** end of the highest segment (not page aligned) */
  end: number;
}

const protOf = (pflags: number) =>
  (pflags & PF_R ? PROT_READ : 0) | (pflags & PF_W ? PROT_WRITE : 0) | (pflags & PF_X ? PROT_EXEC : 0);

const hex = (n: number) => `0x${n.toString(16)}`;

/** Validate what the loader needs from an ELF file (beyond what parseElf checks). */
export function checkExecutable(elf: ElfFile, what = "program"): void {
  if (elf.type === ET_REL)
    throw new LoadError(`${elf.name}: not an executable (ELF relocatable object file)`);
  if (elf.type === ET_CORE) throw new LoadError(`${elf.name}: not an executable (ELF core file)`);
  if (elf.type !== ET_EXEC && elf.type !== ET_DYN) {
    throw new LoadError(`${elf.name}: not an executable (ELF type ${elf.type})`);
  }
  const loads = elf.phdrs.filter((p) => p.type === PT_LOAD && p.memsz > 0);
  if (loads.length === 0) throw new LoadError(`${elf.name}: ${what} has no loadable segments`);
  elf.phdrs.forEach((p, i) => {
    if (p.type !== PT_LOAD || p.memsz === 0) return;
    if (p.vaddr % PAGE !== p.offset % PAGE) {
      throw new LoadError(
        `${elf.name}: segment ${i}: address ${hex(p.vaddr)} and file offset ${hex(p.offset)} differ modulo the page size`,
      );
    }
    if (!Number.isSafeInteger(p.vaddr + p.memsz) || p.vaddr + p.memsz > USER_LIMIT) {
      throw new LoadError(
        `${elf.name}: segment ${i} (${hex(p.vaddr)}, ${hex(p.memsz)} bytes) lies outside the user address space`,
      );
    }
  });
}

/** Lowest page and highest end over the PT_LOAD segments, before the bias. */
function span(elf: ElfFile): { low: number; high: number; align: number } {
  let low = Number.POSITIVE_INFINITY;
  let high = 0;
  let align = PAGE;
  for (const p of elf.phdrs) {
    if (p.type !== PT_LOAD || p.memsz === 0) continue;
    low = Math.min(low, pageDown(p.vaddr));
    high = Math.max(high, p.vaddr + p.memsz);
    // Linux aligns the load bias to the largest power-of-two p_align (maximum_alignment()).
    if (p.align > align && (p.align & (p.align - 1)) === 0 && p.align <= 1 << 30) align = p.align;
  }
  return { low, high, align };
}

/**
 * Map the PT_LOAD segments of `elf` at `bias`: pages get the union of the protections of the
 * segments sharing them; file bytes are copied the way mmap would show them (whole file pages,
 * with the bss part of the last file page zeroed).
 */
export function mapSegments(mem: AddressSpace, vmas: VmaList, elf: ElfFile, bias: number): LoadedImage {
  let end = 0;
  const bytes = elf.bytes;
  for (const p of elf.phdrs) {
    if (p.type !== PT_LOAD || p.memsz === 0) continue;
    const start = bias + p.vaddr;
    const ps = pageDown(start);
    const pe = pageUp(start + p.memsz);
    const prot = protOf(p.flags);
    let at = ps;
    for (const v of vmas.overlapping(ps, pe)) {
      if (v.start > at) mem.map(at, v.start - at, prot);
      const s = Math.max(v.start, ps);
      const e = Math.min(v.end, pe);
      mem.protect(s, e - s, v.prot | prot);
      at = e;
    }
    if (at < pe) mem.map(at, pe - at, prot);
    for (const v of vmas.overlapping(ps, pe))
      vmas.protect(Math.max(v.start, ps), Math.min(v.end, pe), v.prot | prot);
    let gap = ps;
    for (const v of vmas.overlapping(ps, pe)) {
      if (v.start > gap) vmas.add(gap, v.start, prot, elf.name, p.offset - (start - gap));
      gap = v.end;
    }
    if (gap < pe) vmas.add(gap, pe, prot, elf.name, p.offset - (start - gap));

    const head = start - ps;
    let tail = 0;
    if (p.memsz === p.filesz) {
      const fileEnd = p.offset + p.filesz;
      tail = Math.min(pageUp(start + p.filesz) - (start + p.filesz), bytes.length - fileEnd);
    }
    const from = p.offset - head;
    if (p.filesz + head + tail > 0) mem.write(ps, bytes.subarray(from, p.offset + p.filesz + tail));
    end = Math.max(end, start + p.memsz);
  }
  return { bias, phdr: phdrAddress(elf, bias), entry: bias + elf.entry, end };
}

/** Where the program headers are in memory (AT_PHDR): PT_PHDR, else the load segment holding e_phoff. */
function phdrAddress(elf: ElfFile, bias: number): number {
  const pt = elf.phdrs.find((p) => p.type === PT_PHDR);
  if (pt) return bias + pt.vaddr;
  const v = new DataView(elf.bytes.buffer, elf.bytes.byteOffset, elf.bytes.byteLength);
  const phoff = v.getUint32(32, true) + v.getUint32(36, true) * 2 ** 32;
  const seg = elf.phdrs.find((p) => p.type === PT_LOAD && p.offset <= phoff && phoff < p.offset + p.filesz);
  return seg ? bias + seg.vaddr + (phoff - seg.offset) : 0;
}

/** Load the main program: ET_EXEC where it was linked; ET_DYN (PIE) at ELF_ET_DYN_BASE. */
export function loadMain(mem: AddressSpace, vmas: VmaList, elf: ElfFile): LoadedImage {
  checkExecutable(elf);
  let bias = 0;
  const { low, high, align } = span(elf);
  if (elf.type === ET_DYN) {
    bias = pageDown(Math.floor(ELF_ET_DYN_BASE / align) * align - low);
  }
  if (bias + high > MMAP_BASE - STACK_SIZE) {
    throw new LoadError(
      `${elf.name}: program (${hex(bias + low)}-${hex(bias + high)}) overlaps the stack and mmap area`,
    );
  }
  return mapSegments(mem, vmas, elf, bias);
}

/** Load the dynamic loader (ET_DYN) into the mmap area, top-down like any mmap. */
export function loadInterpreter(mem: AddressSpace, vmas: VmaList, elf: ElfFile): LoadedImage {
  checkExecutable(elf, "interpreter");
  if (elf.type !== ET_DYN) throw new LoadError(`${elf.name}: interpreter is not a shared object (ET_DYN)`);
  const { low, high, align } = span(elf);
  const size = pageUp(high) - low;
  const at = mem.findFree(size + (align > PAGE ? align : 0), MMAP_BASE);
  if (at < 0) throw new LoadError(`${elf.name}: no room for the interpreter (${hex(size)} bytes)`);
  const base = Math.ceil(at / align) * align;
  return mapSegments(mem, vmas, elf, base - low);
}

/** Read and parse the interpreter `path` from inside the sysroot (symlinks resolved there). */
export function readInterpreter(sysroot: string, path: string, prog: string): ElfFile {
  const fs = new GuestFs(sysroot, undefined, sysroot);
  const r = fs.resolve({ tree: "root", parts: [] }, path, true);
  if (typeof r === "number" || r.stat === undefined) {
    throw new LoadError(`${prog}: interpreter ${path} not found in sysroot ${sysroot}`, 127);
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(r.host);
  } catch (e) {
    throw new LoadError(`${prog}: cannot read interpreter ${r.host}: ${(e as Error).message}`);
  }
  return parseElf(bytes, r.host);
}

export interface StackRequest {
  argv: string[];
  envp: string[];
  /** the file name as execve got it (AT_EXECFN) */
  execfn: string;
  /** AT_RANDOM bytes (16) */
  random: Uint8Array;
  /** auxv entries except AT_RANDOM, AT_EXECFN and AT_NULL, which are added here */
  auxv: [number, number][];
  /** top of the stack mapping */
  top: number;
  /** bottom of the stack mapping (strings beyond a quarter of it: E2BIG, as Linux) */
  bottom: number;
}

export interface InitialStack {
  sp: number;
  argvAddr: number;
  envpAddr: number;
  auxvAddr: number;
  execfnAddr: number;
  randomAddr: number;
  /** the full auxv as written, AT_NULL included */
  auxv: [number, number][];
}

const utf8 = new TextEncoder();

/**
 * Build the initial process stack as Linux does (fs/exec.c copy_strings, fs/binfmt_elf.c
 * create_elf_tables), from the top down: an 8-byte NULL, the execfn string, the environment
 * strings, the argument strings (argv[0] lowest), 16-byte alignment, the AT_RANDOM bytes, then
 * argc, argv[], NULL, envp[], NULL, auxv pairs, with sp 16-byte aligned.
 */
export function buildInitialStack(mem: AddressSpace, req: StackRequest): InitialStack {
  const strings = [...req.argv, ...req.envp, req.execfn].map((s) => utf8.encode(`${s}\0`));
  const total = strings.reduce((n, s) => n + s.length, 0);
  if (total + 8 > (req.top - req.bottom) / 4) {
    throw new LoadError(`argument list too long (${total} bytes of arguments and environment)`);
  }
  const blob = new Uint8Array(total);
  let off = 0;
  const addrs: number[] = [];
  const stringsStart = req.top - 8 - total;
  for (const s of strings) {
    blob.set(s, off);
    addrs.push(stringsStart + off);
    off += s.length;
  }
  mem.write(stringsStart, blob);
  const execfnAddr = addrs[addrs.length - 1]!;

  let p = Math.floor(stringsStart / 16) * 16;
  p -= 16;
  const randomAddr = p;
  mem.write(randomAddr, req.random.subarray(0, 16));

  const auxv: [number, number][] = [
    ...req.auxv,
    [AT_RANDOM, randomAddr],
    [AT_EXECFN, execfnAddr],
    [AT_NULL, 0],
  ];
  const argc = req.argv.length;
  const envc = req.envp.length;
  const words = 1 + (argc + 1) + (envc + 1) + 2 * auxv.length;
  const sp = Math.floor((p - words * 8) / 16) * 16;
  const table = new DataView(new ArrayBuffer(words * 8));
  let w = 0;
  const put = (v: number) => {
    table.setUint32(w * 8, v % 2 ** 32, true);
    table.setUint32(w * 8 + 4, Math.floor(v / 2 ** 32), true);
    w++;
  };
  put(argc);
  for (let i = 0; i < argc; i++) put(addrs[i]!);
  put(0);
  for (let i = 0; i < envc; i++) put(addrs[argc + i]!);
  put(0);
  for (const [k, v] of auxv) {
    put(k);
    put(v);
  }
  mem.write(sp, new Uint8Array(table.buffer));
  return {
    sp,
    argvAddr: sp + 8,
    envpAddr: sp + 8 * (argc + 2),
    auxvAddr: sp + 8 * (argc + envc + 3),
    execfnAddr,
    randomAddr,
    auxv,
  };
}

export interface ProgramRequest {
  elf: ElfFile;
  argv: string[];
  envp: string[];
  execfn: string;
  random: Uint8Array;
  sysroot?: string;
  ids: { uid: number; euid: number; gid: number; egid: number };
}

export interface LoadedProgram {
  main: LoadedImage;
  interp?: LoadedImage;
  /** where the first instruction runs: the interpreter's entry, or the program's */
  entry: number;
  stack: InitialStack;
  stackBottom: number;
  stackTop: number;
  /** initial program break (page aligned, after the highest segment of the program) */
  brk: number;
}

/** Map program (+ interpreter) and stack, as execve would. */
export function loadProgram(mem: AddressSpace, vmas: VmaList, req: ProgramRequest): LoadedProgram {
  const { elf } = req;
  checkExecutable(elf);
  let interpElf: ElfFile | undefined;
  if (elf.interpreter !== undefined) {
    if (req.sysroot === undefined) {
      throw new LoadError(
        `${elf.name}: dynamically linked program (interpreter ${elf.interpreter}); ` +
          "run it with --sysroot DIR (e.g. --sysroot /usr/riscv64-linux-gnu) or link it with -static",
      );
    }
    interpElf = readInterpreter(req.sysroot, elf.interpreter, elf.name);
  }

  const stackBottom = STACK_TOP - STACK_SIZE;
  let main: LoadedImage;
  let interp: LoadedImage | undefined;
  try {
    mem.map(stackBottom, STACK_SIZE, PROT_READ | PROT_WRITE);
    vmas.add(stackBottom, STACK_TOP, PROT_READ | PROT_WRITE, "[stack]");
    main = loadMain(mem, vmas, elf);
    interp = interpElf ? loadInterpreter(mem, vmas, interpElf) : undefined;
  } catch (e) {
    // The address space's memory cap is finite: a huge (or corrupt) memory size ends here.
    if (e instanceof OutOfGuestMemory) {
      throw new LoadError(
        `${elf.name}: segments need more memory than hartscope can give a process (${e.message})`,
      );
    }
    throw e;
  }

  const auxv: [number, number][] = [
    [AT_HWCAP, HWCAP_RV64IMAFDC],
    [AT_PAGESZ, PAGE],
    [AT_CLKTCK, 100],
    [AT_PHDR, main.phdr],
    [AT_PHENT, 56],
    [AT_PHNUM, elf.phdrs.length],
    [AT_BASE, interp ? interp.bias : 0],
    [AT_FLAGS, 0],
    [AT_ENTRY, main.entry],
    [AT_UID, req.ids.uid],
    [AT_EUID, req.ids.euid],
    [AT_GID, req.ids.gid],
    [AT_EGID, req.ids.egid],
    [AT_SECURE, 0],
  ];
  const stack = buildInitialStack(mem, {
    argv: req.argv,
    envp: req.envp,
    execfn: req.execfn,
    random: req.random,
    auxv,
    top: STACK_TOP,
    bottom: stackBottom,
  });
  return {
    main,
    interp,
    entry: interp ? interp.entry : main.entry,
    stack,
    stackBottom,
    stackTop: STACK_TOP,
    brk: pageUp(main.end),
  };
}
