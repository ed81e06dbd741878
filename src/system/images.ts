// Where the images of a full system go in RAM, as QEMU 7.2's virt machine places them
// (hw/riscv/boot.c's rules, restated): an ELF at its segments' physical addresses, a raw firmware at
// the start of RAM, a raw kernel after the firmware at the next 2 MiB boundary (where OpenSBI's
// fw_jump jumps), the initrd half of RAM (at most 128 MiB) past the kernel, and the device tree at
// the last 2 MiB boundary that leaves room for it below the end of RAM (or below 3 GiB).

import { type ElfFile, EM_RISCV, PT_LOAD, parseElf } from "../elf/elf.js";
import { VIRT } from "../machine/devices/virt-map.js";

const MiB = 1024 * 1024;

/** A bad image or placement: the message names the file and the addresses. */
export class ImageError extends Error {
  override name = "ImageError";
}

/** Bytes to put at a physical address, and what they are (for messages). */
export interface Placed {
  what: string;
  pa: number;
  bytes: Uint8Array;
  /** bytes past `bytes` that are zero (an ELF segment's .bss); they belong to the image's span */
  zeros: number;
}

export interface LoadedImage {
  /** the pieces to copy into RAM */
  pieces: Placed[];
  /** where execution starts (an ELF's entry, or the raw image's first byte) */
  entry: number;
  /** one past the highest byte */
  end: number;
  /** the parsed ELF, when it is one */
  elf?: ElfFile;
}

const isElf = (b: Uint8Array): boolean =>
  b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;

/** An image at its ELF physical addresses, or raw at `rawAt`. */
export function placeImage(what: string, path: string, bytes: Uint8Array, rawAt: number): LoadedImage {
  if (!isElf(bytes)) {
    if (bytes.length === 0) throw new ImageError(`${what} ${path}: empty file`);
    return {
      pieces: [{ what: `${what} ${path}`, pa: rawAt, bytes, zeros: 0 }],
      entry: rawAt,
      end: rawAt + bytes.length,
    };
  }
  const elf = parseElf(bytes, path);
  if (elf.machine !== EM_RISCV) throw new ImageError(`${what} ${path}: not a RISC-V ELF file`);
  const pieces: Placed[] = [];
  let end = 0;
  for (const ph of elf.phdrs) {
    if (ph.type !== PT_LOAD || ph.memsz === 0) continue;
    if (ph.offset + ph.filesz > bytes.length) {
      throw new ImageError(`${what} ${path}: a segment lies past the end of the file`);
    }
    pieces.push({
      what: `${what} ${path}`,
      pa: ph.paddr,
      bytes: bytes.subarray(ph.offset, ph.offset + ph.filesz),
      zeros: ph.memsz - ph.filesz,
    });
    end = Math.max(end, ph.paddr + ph.memsz);
  }
  if (pieces.length === 0) throw new ImageError(`${what} ${path}: no loadable segment`);
  return { pieces, entry: elf.entry, end, elf };
}

/** The physical address of an ELF's symbol (its virtual address moved as its segment's paddr is). */
export function symbolPa(elf: ElfFile, name: string): number | undefined {
  const sym = elf.symbols.find((s) => s.name === name && s.shndx !== 0);
  if (sym === undefined) return undefined;
  for (const ph of elf.phdrs) {
    if (ph.type === PT_LOAD && sym.value >= ph.vaddr && sym.value < ph.vaddr + ph.memsz) {
      return sym.value - ph.vaddr + ph.paddr;
    }
  }
  return sym.value;
}

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;
const alignDown = (n: number, a: number): number => Math.floor(n / a) * a;

/** Where a raw kernel goes after a firmware ending at `firmwareEnd` (QEMU: the next 2 MiB boundary). */
export const kernelStartAfter = (firmwareEnd: number): number => alignUp(firmwareEnd, 2 * MiB);

/** Where the initrd starts: past the kernel by half of RAM, at most 128 MiB. */
export const initrdStart = (kernelStart: number, ramSize: number): number =>
  kernelStart + Math.min(alignDown(ramSize / 2, 4096), 128 * MiB);

/** Where a device tree of `size` bytes goes: the last 2 MiB boundary leaving room below the top. */
export function dtbAddress(ramSize: number, size: number): number {
  const base = VIRT.dram.base;
  const top = Math.min(base + ramSize, Math.max(base, 3072 * MiB));
  return alignDown(top - size, 2 * MiB);
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** Every piece lies in RAM and no two overlap; else an ImageError naming them. */
export function checkPlacement(pieces: readonly Placed[], ramSize: number): void {
  const ramEnd = VIRT.dram.base + ramSize;
  for (const p of pieces) {
    const end = p.pa + p.bytes.length + p.zeros;
    if (p.pa < VIRT.dram.base || end > ramEnd) {
      throw new ImageError(
        `${p.what}: [${hex(p.pa)}, ${hex(end)}) does not fit in RAM [${hex(VIRT.dram.base)}, ${hex(ramEnd)})` +
          (end > ramEnd && p.pa >= VIRT.dram.base ? " (try a larger --memory)" : ""),
      );
    }
  }
  const sorted = [...pieces].sort((a, b) => a.pa - b.pa);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    const aEnd = a.pa + a.bytes.length + a.zeros;
    if (b.pa < aEnd && a.what !== b.what) {
      throw new ImageError(`${b.what} at ${hex(b.pa)} overlaps ${a.what} at [${hex(a.pa)}, ${hex(aEnd)})`);
    }
  }
}

/** `--memory`: QEMU's -m syntax — a number of MiB, or with a suffix K, M, G (a B suffix: bytes). */
export function parseMemorySize(v: string): number {
  const m = /^(\d+)([KMGB]?)i?B?$/i.exec(v.trim());
  if (m === null) throw new ImageError(`--memory: '${v}' is not a size (e.g. 128M, 1G, 256)`);
  const unit = { "": MiB, K: 1024, M: MiB, G: 1024 * MiB, B: 1 }[m[2]!.toUpperCase()]!;
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n < 4 * MiB || n > 2048 * MiB || n % 4096 !== 0) {
    throw new ImageError(`--memory: ${v} must be a multiple of 4 KiB from 4 MiB to 2 GiB`);
  }
  return n;
}
