// The ELF objects of a dynamic program, found before it runs: its interpreter (PT_INTERP) and the
// shared objects its DT_NEEDED entries name, transitively, looked up in the sysroot's library
// directories as the dynamic loader's default path has them. The tracer makes their probes up
// front (ids fixed, `-l` lists them) and places them when the loader maps each object.

import { existsSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { type ElfFile, PT_DYNAMIC, PT_LOAD, parseElf } from "../../elf/elf.js";
import { readInterpreter } from "../../linux-user/loader.js";

/** One object: its module name (the file name), its ELF, and its bias once it is known. */
export interface ObjectModule {
  readonly name: string;
  /** the host file its probes were made from (a mapping of another file by that name is not it) */
  readonly hostPath: string;
  readonly elf: ElfFile;
  /** undefined until the loader maps it (a shared object) */
  readonly bias: number | undefined;
}

const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;

/** Where ld.so looks by default on riscv64 Debian (and where the cross sysroot keeps them). */
const LIBRARY_DIRS = ["lib/riscv64-linux-gnu", "usr/lib/riscv64-linux-gnu", "lib", "usr/lib", "lib64/lp64d"];

/** The file offset of virtual address `va` (unbiased), through the PT_LOAD segments. */
function fileOffset(elf: ElfFile, va: number): number | undefined {
  for (const ph of elf.phdrs) {
    if (ph.type === PT_LOAD && va >= ph.vaddr && va < ph.vaddr + ph.filesz)
      return ph.offset + (va - ph.vaddr);
  }
  return undefined;
}

/** The DT_NEEDED names of an ELF, in order (none for a static program). */
export function neededLibraries(elf: ElfFile): string[] {
  const dyn = elf.phdrs.find((p) => p.type === PT_DYNAMIC);
  if (dyn === undefined) return [];
  const b = elf.bytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const entries: [number, number][] = [];
  for (let at = dyn.offset; at + 16 <= Math.min(b.length, dyn.offset + dyn.filesz); at += 16) {
    const tag = Number(v.getBigInt64(at, true));
    if (tag === DT_NULL) break;
    entries.push([tag, Number(v.getBigUint64(at + 8, true))]);
  }
  const strtab = entries.find(([t]) => t === DT_STRTAB);
  const base = strtab === undefined ? undefined : fileOffset(elf, strtab[1]);
  if (base === undefined) return [];
  const names: string[] = [];
  for (const [tag, off] of entries) {
    if (tag !== DT_NEEDED) continue;
    let end = base + off;
    while (end < b.length && b[end] !== 0) end++;
    names.push(new TextDecoder().decode(b.subarray(base + off, end)));
  }
  return names;
}

/** The host path of library `name` in the sysroot, or undefined. */
function findLibrary(sysroot: string, name: string): string | undefined {
  for (const dir of LIBRARY_DIRS) {
    const path = join(sysroot, dir, name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * The objects a dynamic program loads besides itself: the interpreter (its bias is known once the
 * program is loaded: the kernel maps it at exec) and every DT_NEEDED object found in the sysroot, breadth first (ld.so's
 * load order). Objects not found are left out: the loader will say so when the guest runs.
 */
export function dynamicObjects(
  program: ElfFile,
  sysroot: string | undefined,
  interpreterBias: number | undefined,
): ObjectModule[] {
  const out: ObjectModule[] = [];
  const seen = new Set<string>();
  if (sysroot === undefined) return out;
  if (program.interpreter !== undefined) {
    const name = basename(program.interpreter);
    seen.add(name);
    const elf = readInterpreter(sysroot, program.interpreter, program.name);
    out.push({ name, elf, bias: interpreterBias, hostPath: elf.name });
  }
  const queue = neededLibraries(program);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const path = findLibrary(sysroot, name);
    if (path === undefined) continue;
    let elf: ElfFile;
    try {
      elf = parseElf(readFileSync(path), path);
    } catch {
      continue; // not an ELF we can read: no probes in it
    }
    out.push({ name, elf, bias: undefined, hostPath: path });
    queue.push(...neededLibraries(elf));
  }
  return out;
}
