// ELF64 little-endian reader (System V gABI, "Object Files" chapter; RISC-V psABI for e_machine 243).
// Every offset and size is checked against the file before it is read, so a corrupt file gives an
// ElfError naming the file and the byte offset of the bad part, never a RangeError.

import { isMappingSymbol, preferSymbol } from "./symbol-order.js";

export class ElfError extends Error {
  override name = "ElfError";
}

export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const EM_RISCV = 243;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_STACK = 0x6474e551;
export const PT_RISCV_ATTRIBUTES = 0x70000003;

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;

export const SHF_WRITE = 1;
export const SHF_ALLOC = 2;
export const SHF_EXECINSTR = 4;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_TLS = 6;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  paddr: number;
  filesz: number;
  memsz: number;
  align: number;
}

export interface Section {
  index: number;
  name: string;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: number; // STT_*
  bind: number; // STB_*
  other: number; // st_other (visibility)
  shndx: number; // section index or SHN_*
}

export interface ElfFile {
  name: string;
  type: number; // ET_*
  machine: number; // EM_*
  entry: number;
  flags: number; // e_flags (RISC-V: float ABI, RVC, RVE, TSO)
  phdrs: ProgramHeader[];
  sections: Section[];
  symbols: ElfSymbol[]; // from .symtab, else .dynsym
  /** .dynsym entries by index (entry 0 included); empty without a dynamic symbol table. */
  dynsym: ElfSymbol[];
  interpreter?: string; // PT_INTERP
  bytes: Uint8Array;
  /** Nearest preceding function (or untyped) symbol, as objdump labels an address. */
  symbolize(addr: number): { name: string; offset: number } | undefined;
  section(name: string): Section | undefined;
}

const MACHINES: Record<number, string> = {
  3: "i386",
  8: "MIPS",
  20: "PowerPC",
  21: "PowerPC64",
  22: "S/390",
  40: "ARM",
  62: "x86-64",
  183: "AArch64",
  243: "RISC-V",
  258: "LoongArch",
};

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;

const hex = (n: number) => `0x${n.toString(16)}`;

/** Bounds-checked little-endian reads over the whole file. */
class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  fail(msg: string): never {
    throw new ElfError(`${this.file}: ${msg}`);
  }
  /** Throws unless [off, off+len) lies inside the file. */
  need(off: number, len: number, what: string): void {
    if (off < 0 || len < 0 || off + len > this.bytes.length || !Number.isSafeInteger(off + len)) {
      this.fail(
        `truncated: ${what} at offset ${hex(off)} (${len} bytes) extends past end of file (size ${this.bytes.length})`,
      );
    }
  }
  u8(off: number): number {
    return this.bytes[off]!;
  }
  u16(off: number): number {
    return this.view.getUint16(off, true);
  }
  u32(off: number): number {
    return this.view.getUint32(off, true);
  }
  /** u64 as a number: exact below 2^53, nearest double above. */
  u64(off: number): number {
    return this.view.getUint32(off + 4, true) * 0x1_0000_0000 + this.view.getUint32(off, true);
  }
}

const utf8 = new TextDecoder("utf-8");

export function parseElf(bytes: Uint8Array, name: string): ElfFile {
  const r = new Reader(bytes, name);
  if (bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    r.fail("not an ELF file (bad magic at offset 0)");
  }
  r.need(0, 16, "ELF identification");
  const cls = bytes[4];
  if (cls === 1) r.fail("32-bit ELF (ELFCLASS32); hartscope runs RV64");
  if (cls !== 2) r.fail(`bad ELF class ${cls} at offset 0x4`);
  const data = bytes[5];
  if (data === 2) r.fail("big-endian ELF (ELFDATA2MSB); RISC-V is little-endian");
  if (data !== 1) r.fail(`bad ELF data encoding ${data} at offset 0x5`);
  if (bytes[6] !== 1) r.fail(`bad ELF version ${bytes[6]} at offset 0x6`);
  r.need(0, EHDR_SIZE, "ELF header");

  const type = r.u16(16);
  const machine = r.u16(18);
  if (machine !== EM_RISCV) {
    r.fail(`ELF for machine ${MACHINES[machine] ?? "unknown"} (${machine}), not RISC-V (${EM_RISCV})`);
  }
  const entry = r.u64(24);
  const phoff = r.u64(32);
  const shoff = r.u64(40);
  const flags = r.u32(48);
  const phentsize = r.u16(54);
  let phnum = r.u16(56);
  const shentsize = r.u16(58);
  let shnum = r.u16(60);
  let shstrndx = r.u16(62);

  // Extended numbering (gABI "Section Header", index 0): counts that do not fit in 16 bits
  // live in section header 0.
  const needSh0 = shoff !== 0 && (shnum === 0 || shstrndx === SHN_XINDEX || phnum === 0xffff);
  if (shoff !== 0 && shentsize < SHDR_SIZE) {
    r.fail(`bad section header size ${shentsize} at offset 0x3a (expected 64)`);
  }
  if (needSh0) {
    r.need(shoff, SHDR_SIZE, "section header 0");
    if (shnum === 0) shnum = r.u64(shoff + 32);
    if (shstrndx === SHN_XINDEX) shstrndx = r.u32(shoff + 40);
    if (phnum === 0xffff) phnum = r.u32(shoff + 44);
  }
  if (shoff === 0) shnum = 0;

  const phdrs: ProgramHeader[] = [];
  if (phnum > 0) {
    if (phentsize < PHDR_SIZE) r.fail(`bad program header size ${phentsize} at offset 0x36 (expected 56)`);
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * phentsize;
      r.need(at, PHDR_SIZE, `program header ${i}`);
      const ph: ProgramHeader = {
        type: r.u32(at),
        flags: r.u32(at + 4),
        offset: r.u64(at + 8),
        vaddr: r.u64(at + 16),
        paddr: r.u64(at + 24),
        filesz: r.u64(at + 32),
        memsz: r.u64(at + 40),
        align: r.u64(at + 48),
      };
      phdrs.push(ph);
    }
  }
  phdrs.forEach((ph, i) => {
    if (ph.type !== PT_NULL) r.need(ph.offset, ph.filesz, `contents of program header ${i}`);
    if (ph.type === PT_LOAD && ph.filesz > ph.memsz) {
      r.fail(`program header ${i}: file size ${hex(ph.filesz)} exceeds memory size ${hex(ph.memsz)}`);
    }
  });

  const sectionsRaw: Omit<Section, "name">[] = [];
  const nameOffsets: number[] = [];
  if (shnum > 0xffffff) r.fail(`implausible section count ${shnum} in section header 0 at ${hex(shoff)}`);
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * shentsize;
    r.need(at, SHDR_SIZE, `section header ${i}`);
    const s = {
      index: i,
      type: r.u32(at + 4),
      flags: r.u64(at + 8),
      addr: r.u64(at + 16),
      offset: r.u64(at + 24),
      size: r.u64(at + 32),
      link: r.u32(at + 40),
      info: r.u32(at + 44),
      addralign: r.u64(at + 48),
      entsize: r.u64(at + 56),
    };
    if (i > 0 && s.type !== SHT_NOBITS && s.type !== SHT_NULL) {
      r.need(s.offset, s.size, `contents of section ${i} (header at ${hex(at)})`);
    }
    nameOffsets.push(r.u32(at));
    sectionsRaw.push(s);
  }

  /** A NUL-terminated string at `index` in string-table section `tab`. */
  const stringAt = (tab: number, index: number, what: string): string => {
    const t = sectionsRaw[tab];
    if (!t || t.type === SHT_NOBITS) r.fail(`${what}: string table index ${tab} is not a valid section`);
    if (index >= t.size) {
      r.fail(`${what}: name offset ${index} is outside string table section ${tab} (size ${t.size})`);
    }
    const start = t.offset + index;
    const rest = bytes.subarray(start, t.offset + t.size);
    const len = rest.indexOf(0);
    if (len < 0)
      r.fail(`${what}: name at offset ${hex(start)} is not NUL-terminated inside its string table`);
    return utf8.decode(rest.subarray(0, len));
  };

  const sections: Section[] = [];
  const haveNames = shnum > 0 && shstrndx !== SHN_UNDEF;
  if (haveNames && shstrndx >= shnum)
    r.fail(`section name table index ${shstrndx} at offset 0x3e is out of range`);
  for (let i = 0; i < sectionsRaw.length; i++) {
    const s = sectionsRaw[i]!;
    const nm = haveNames ? stringAt(shstrndx, nameOffsets[i]!, `name of section ${i}`) : "";
    sections.push({ ...s, name: nm });
  }

  /** Entries [first, end) of a symbol table section. */
  const readSymbols = (symtab: Section, first: number): ElfSymbol[] => {
    const out: ElfSymbol[] = [];
    const entsize = symtab.entsize === 0 ? SYM_SIZE : symtab.entsize;
    if (entsize < SYM_SIZE) {
      r.fail(`symbol table ${symtab.name || symtab.index}: entry size ${entsize} is smaller than 24`);
    }
    if (symtab.link >= sections.length) {
      r.fail(`symbol table ${symtab.name || symtab.index}: string table link ${symtab.link} is out of range`);
    }
    const count = Math.floor(symtab.size / entsize);
    for (let i = first; i < count; i++) {
      const at = symtab.offset + i * entsize;
      r.need(at, SYM_SIZE, `symbol ${i}`);
      const info = r.u8(at + 4);
      out.push({
        name: stringAt(symtab.link, r.u32(at), `name of symbol ${i} (at ${hex(at)})`),
        value: r.u64(at + 8),
        size: r.u64(at + 16),
        type: info & 0xf,
        bind: info >> 4,
        other: r.u8(at + 5),
        shndx: r.u16(at + 6),
      });
    }
    return out;
  };

  // Entry 0 is the reserved undefined symbol (gABI "Symbol Table"): left out of `symbols`, kept in
  // `dynsym` so relocation and version indices line up.
  // Read on first use: running a program needs no symbols, and a static libc has thousands (reading
  // them was a good part of `hartscope run`'s start-up); a damaged table is reported then.
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const dynsymSec = sections.find((s) => s.type === SHT_DYNSYM);
  let dynsymRead: ElfSymbol[] | undefined;
  let symbolsRead: ElfSymbol[] | undefined;
  const dynsymOf = () => (dynsymRead ??= dynsymSec ? readSymbols(dynsymSec, 0) : []);
  const symbolsOf = () => (symbolsRead ??= symtab ? readSymbols(symtab, 1) : dynsymOf().slice(1));

  let interpreter: string | undefined;
  const interp = phdrs.find((p) => p.type === PT_INTERP);
  if (interp) {
    const raw = bytes.subarray(interp.offset, interp.offset + interp.filesz);
    const nul = raw.indexOf(0);
    interpreter = utf8.decode(nul >= 0 ? raw.subarray(0, nul) : raw);
  }

  let sorted: ElfSymbol[] | undefined;
  const symbolize = (addr: number) => {
    sorted ??= symbolsOf()
      .filter(
        (s) =>
          (s.type === STT_FUNC || s.type === STT_NOTYPE) &&
          s.name !== "" &&
          !isMappingSymbol(s.name) &&
          s.shndx !== SHN_UNDEF &&
          s.shndx !== SHN_ABS,
      )
      // Among symbols at one address, objdump's choice comes first.
      .sort((a, b) => a.value - b.value || preferSymbol(a, b));
    // Binary search for the last symbol at or below addr, then back to the first of its address.
    let lo = 0;
    let hi = sorted.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.value <= addr) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    while (best > 0 && sorted[best - 1]!.value === sorted[best]!.value) best--;
    const s = sorted[best]!;
    return { name: s.name, offset: addr - s.value };
  };

  return {
    name,
    type,
    machine,
    entry,
    flags,
    phdrs,
    sections,
    get symbols() {
      return symbolsOf();
    },
    get dynsym() {
      return dynsymOf();
    },
    interpreter,
    bytes,
    symbolize,
    section: (n: string) => sections.find((s) => s.name === n),
  };
}
