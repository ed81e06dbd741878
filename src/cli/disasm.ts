// `hartscope disasm`: the listing `riscv64-linux-gnu-objdump -d FILE` prints, from our own ISA table,
// so the two can be diffed. Layout rules (found by comparing with binutils 2.40):
// - a section of code per "Disassembly of section NAME:", a label line per address that has a symbol;
// - addresses right-aligned in a width of 16 hex digits minus the leading zeros (in steps of 4) of the
//   section's end address; instruction bytes as one little-endian number, padded to a fixed column;
// - $d mapping-symbol regions print as .word/.short/.byte data; regions labelled by an object symbol
//   as a hex and ASCII dump, 16 bytes a line;
// - a run of zero bytes is printed as "\t..." when it is 8 bytes or longer (skipping a multiple of 4,
//   or up to the next symbol when it reaches it) or when fewer than 3 bytes remain before the next symbol.

import { riscvAttributes } from "../elf/attributes.js";
import { type ElfFile, type Section, SHF_EXECINSTR, SHT_NOBITS, STT_OBJECT } from "../elf/elf.js";
import { type IndexedSymbol, SymbolIndex } from "../elf/symbols.js";
import { AddressNotes } from "../isa/address-notes.js";
import { DEFAULT_PRIV_SPEC, type PrivSpec, privSpecOf } from "../isa/csr.js";
import { decode, newDecoded } from "../isa/decode.js";
import { format, hexAddr, targetText } from "../isa/disasm.js";
import { type IsaSet, parseIsaString, RV64GC } from "../isa/isa-string.js";
import { UsageError } from "./errors.js";

export interface DisasmElfOptions {
  /** Only this function (any of its symbol names). */
  func?: string;
}

/** Hex bytes column: value padded so the mnemonic tab lands where objdump's does. */
const BYTES_WIDTH: Record<number, number> = { 1: 18, 2: 20, 4: 18 };

/** Symbol names as objdump prints them: control characters in caret notation (\x02 -> ^B). */
export function printableName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what we replace
  return name.replace(/[\x00-\x1f\x7f]/g, (c) =>
    c === "\x7f" ? "^?" : `^${String.fromCharCode(c.charCodeAt(0) + 64)}`,
  );
}

function hex16(addr: number): string {
  return hexAddr(addr).padStart(16, "0");
}

interface Mapping {
  addr: number;
  data: boolean;
  /** Extensions of the code from here on ($x<isa>); undefined: the file's. */
  isa?: IsaSet;
}

/** Mapping symbols of one section, sorted: where data ($d) or code ($x, $x<isa>) starts. */
function mappingOf(file: ElfFile, section: number): Mapping[] {
  const out: Mapping[] = [];
  for (const s of file.symbols) {
    if (s.shndx !== section) continue;
    if (s.name === "$d" || s.name.startsWith("$d.")) out.push({ addr: s.value, data: true });
    else if (s.name.startsWith("$x"))
      out.push({ addr: s.value, data: false, isa: parseIsaString(s.name.slice(2)) });
  }
  return out.sort((a, b) => a.addr - b.addr);
}

/** Names close to `want`, for a "did you mean" hint. */
function closeNames(names: Iterable<string>, want: string): string[] {
  const dist = (a: string, b: string) => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let prev = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const cur = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = cur;
      }
    }
    return row[b.length]!;
  };
  const scored = [...new Set(names)]
    .map((n) => ({ n, d: n.includes(want) || want.includes(n) ? 0 : dist(n, want) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(want.length / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n));
  return scored.slice(0, 8).map((x) => x.n);
}

class Lister {
  readonly lines: string[] = [];
  private readonly d = newDecoded();
  private readonly symbols: SymbolIndex;
  private readonly priv: PrivSpec;
  private readonly gp: number | undefined;
  /** The file's ISA (Tag_RISCV_arch), default RV64GC. */
  private readonly isa: IsaSet;

  constructor(private readonly file: ElfFile) {
    this.symbols = new SymbolIndex(file);
    const attrs = riscvAttributes(file);
    this.priv = (attrs.privSpec && privSpecOf(attrs.privSpec[0], attrs.privSpec[1])) || DEFAULT_PRIV_SPEC;
    this.isa = (attrs.arch && parseIsaString(attrs.arch)) || RV64GC;
    this.gp = file.symbols.find((s) => s.name === "__global_pointer$" && s.shndx !== 0)?.value;
  }

  get index(): SymbolIndex {
    return this.symbols;
  }

  /** Lists [from, to) of `sec`; labels from `labels`, zero runs bounded by the next label. */
  listRange(sec: Section, from: number, to: number, labels: Map<number, IndexedSymbol>): void {
    const { file, d, lines } = this;
    const bytes = file.bytes;
    const base = sec.offset - sec.addr; // file offset = addr + base
    // Leading zeros of the section's end address, minus one, rounded down to 4, are not printed.
    const zeros = hex16(sec.addr + sec.size).match(/^0*/)![0].length;
    const width = 16 - (zeros === 16 ? 0 : zeros > 0 ? (zeros - 1) & ~3 : 0);
    const labelAddrs = [...labels.keys()].filter((a) => a >= from && a < to).sort((a, b) => a - b);
    const mapping = mappingOf(file, sec.index);
    const notes = new AddressNotes(this.gp);
    const describe = (a: number) => {
      const name = this.symbols.describe(a, sec.index);
      return name === undefined ? undefined : printableName(name);
    };
    // Without any symbol, objdump writes targets as 0x-prefixed numbers.
    const target = this.symbols.sorted.length > 0 ? targetText(describe) : (a: number) => `0x${hexAddr(a)}`;
    let li = 0;
    let mi = 0;
    let data = false;
    let isa = this.isa;
    let objectRegion = false;
    let pos = from;
    const line = (addr: number, value: string, text: string) => {
      lines.push(
        `${hexAddr(addr).padStart(width, " ")}:\t${value.padEnd(BYTES_WIDTH[value.length / 2]!)}\t${text}`,
      );
    };
    while (pos < to) {
      const label = labels.get(pos);
      if (label) {
        lines.push("", `${hex16(pos)} <${printableName(label.name)}>:`);
        // An object's bytes are dumped as data, not disassembled.
        objectRegion = label.type === STT_OBJECT;
      } else if (pos === sec.addr) {
        // A section that starts without a symbol is labelled from the next symbol in it.
        const next = this.symbols.firstInSectionFrom(sec.index, pos);
        const name = next ? `${next.name}-0x${(next.value - pos).toString(16)}` : sec.name;
        lines.push("", `${hex16(pos)} <${printableName(name)}>:`);
      }
      while (li < labelAddrs.length && labelAddrs[li]! <= pos) li++;
      const stop = li < labelAddrs.length ? labelAddrs[li]! : to;
      while (mi < mapping.length && mapping[mi]!.addr <= pos) {
        const m = mapping[mi++]!;
        data = m.data;
        if (!m.data) isa = m.isa ?? this.isa;
      }
      const regionEnd = Math.min(stop, mi < mapping.length ? mapping[mi]!.addr : to);

      // Runs of zero bytes.
      let z = pos;
      while (z < stop && bytes[z + base] === 0) z++;
      const run = z - pos;
      if (run >= 8 || (run > 0 && z === stop && run < 3)) {
        lines.push("\t...");
        pos = z === stop ? stop : pos + (run & ~3);
        continue;
      }

      const at = pos + base;
      if (objectRegion) {
        const n = Math.min(16, stop - pos);
        const chunks: string[] = [];
        let ascii = "";
        for (let i = 0; i < n; i++) {
          const b = bytes[at + i]!;
          ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".";
          if (i % 2 === 1) chunks.push(((b << 8) | bytes[at + i - 1]!).toString(16).padStart(4, "0"));
        }
        // objdump leaves an odd last byte out of the hex but still counts a column for it.
        lines.push(`${hexAddr(pos).padStart(width, " ")}:\t${chunks.join(" ").padEnd(44 + (n % 2))}${ascii}`);
        pos += n;
        continue;
      }
      if (data || regionEnd - pos < 2) {
        const n = regionEnd - pos >= 4 ? 4 : regionEnd - pos >= 2 ? 2 : 1;
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
        const hex = v.toString(16).padStart(n * 2, "0");
        line(pos, hex, `${n === 4 ? ".word" : n === 2 ? ".short" : ".byte"}\t0x${hex}`);
        pos += n;
        continue;
      }
      const half = bytes[at]! | (bytes[at + 1]! << 8);
      let raw = half;
      let len = 2;
      if ((half & 3) === 3 && to - pos >= 4) {
        raw = (half | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
        len = 4;
      }
      decode(raw, d);
      let text = format(d, pos, target, this.priv, isa);
      const note = notes.step(d, pos);
      if (note !== undefined) text += ` # ${target(note)}`;
      line(pos, raw.toString(16).padStart(len * 2, "0"), text);
      pos += len;
    }
  }
}

/** The text `riscv64-linux-gnu-objdump -d FILE` prints for `file` (header, every code section). */
export function disassembleElf(file: ElfFile, opts: DisasmElfOptions = {}): string {
  const lister = new Lister(file);
  const out = lister.lines;
  out.push("", `${file.name}:     file format elf64-littleriscv`, "");
  const code = file.sections.filter((s) => s.flags & SHF_EXECINSTR && s.type !== SHT_NOBITS && s.size > 0);

  let only: IndexedSymbol | undefined;
  if (opts.func !== undefined) {
    const want = opts.func;
    only = lister.index.sorted.find((s) => s.name === want);
    if (!only || !code.some((s) => s.index === only!.shndx)) {
      const names = lister.index.sorted.filter((s) => s.type === 2).map((s) => s.name);
      const close = closeNames(names, want);
      const hint = close.length ? `; similar: ${close.join(", ")}` : "";
      throw new UsageError(`${file.name}: no function named "${want}"${hint}`);
    }
  }

  for (const sec of code) {
    out.push("", `Disassembly of section ${sec.name}:`);
    const labels = lister.index.labels(sec.index);
    if (only) {
      if (only.shndx !== sec.index) continue;
      // The function's own extent (st_size), else up to the next label, like objdump --disassemble=NAME.
      const start = only.value;
      let end = start + only.size;
      if (only.size === 0) {
        end = sec.addr + sec.size;
        for (const a of labels.keys()) if (a > start && a < end) end = a;
      }
      const label = labels.get(start)!;
      lister.listRange(sec, start, Math.min(end, sec.addr + sec.size), new Map([[start, label]]));
      continue;
    }
    lister.listRange(sec, sec.addr, sec.addr + sec.size, labels);
  }
  return `${out.join("\n")}\n`;
}
