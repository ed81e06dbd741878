// Dynamic-linking tables of an ELF file: symbol versions (.gnu.version, .gnu.version_r,
// .gnu.version_d; LSB "Symbol Versioning"), relocations (SHT_RELA, gABI "Relocation"), and the
// synthetic symbols objdump shows for them: "puts@plt" at each PLT entry and "puts@GLIBC_2.27" at each
// slot a dynamic relocation fills (RISC-V psABI: PLT header 32 bytes, then 16 bytes per entry in
// .rela.plt order).

import { ElfError, type ElfFile, type ElfSymbol, SHN_UNDEF, STB_GLOBAL, STT_FUNC } from "./elf.js";

const SHT_RELA = 4;
const SHT_GNU_VERDEF = 0x6ffffffd;
const SHT_GNU_VERNEED = 0x6ffffffe;
const SHT_GNU_VERSYM = 0x6fffffff;
const VERSYM_HIDDEN = 0x8000;

export const PLT_HEADER_SIZE = 32;
export const PLT_ENTRY_SIZE = 16;

export interface Relocation {
  offset: number;
  type: number;
  sym: number; // symbol index into the linked symbol table
  addend: number;
}

function reader(elf: ElfFile) {
  const b = elf.bytes;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (at < 0 || at + n > b.length) {
      throw new ElfError(
        `${elf.name}: truncated: ${what} at offset 0x${at.toString(16)} extends past end of file`,
      );
    }
  };
  return {
    u16: (at: number, what: string) => {
      need(at, 2, what);
      return view.getUint16(at, true);
    },
    u32: (at: number, what: string) => {
      need(at, 4, what);
      return view.getUint32(at, true);
    },
    u64: (at: number, what: string) => {
      need(at, 8, what);
      return view.getUint32(at + 4, true) * 2 ** 32 + view.getUint32(at, true);
    },
    str: (tabOffset: number, tabSize: number, index: number): string => {
      if (index >= tabSize) return "";
      const rest = b.subarray(tabOffset + index, tabOffset + tabSize);
      const nul = rest.indexOf(0);
      return new TextDecoder().decode(nul < 0 ? rest : rest.subarray(0, nul));
    },
  };
}

/** Version name and visibility per .dynsym index; undefined entries have no version table. */
export function symbolVersions(
  elf: ElfFile,
): ({ name: string; hidden: boolean; index: number } | undefined)[] {
  const versym = elf.sections.find((s) => s.type === SHT_GNU_VERSYM);
  if (!versym) return [];
  const r = reader(elf);
  const names = new Map<number, string>([
    [0, "*local*"],
    [1, "Base"],
  ]);
  // Version definitions: [vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32,
  // vd_aux u32, vd_next u32]; the first aux entry [vda_name u32, vda_next u32] names it.
  for (const sec of elf.sections.filter((s) => s.type === SHT_GNU_VERDEF)) {
    const str = elf.sections[sec.link];
    if (!str) continue;
    let at = sec.offset;
    for (let n = 0; n < sec.info && at < sec.offset + sec.size; n++) {
      const ndx = r.u16(at + 4, "version definition");
      const aux = r.u32(at + 12, "version definition");
      names.set(ndx, r.str(str.offset, str.size, r.u32(at + aux, "version definition name")));
      const next = r.u32(at + 16, "version definition");
      if (next === 0) break;
      at += next;
    }
  }
  // Version needs: [vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32], each with
  // vn_cnt aux entries [vna_hash u32, vna_flags u16, vna_other u16 (index), vna_name u32, vna_next u32].
  for (const sec of elf.sections.filter((s) => s.type === SHT_GNU_VERNEED)) {
    const str = elf.sections[sec.link];
    if (!str) continue;
    let at = sec.offset;
    for (let n = 0; n < sec.info && at < sec.offset + sec.size; n++) {
      const cnt = r.u16(at + 2, "version need");
      let aux = at + r.u32(at + 8, "version need");
      for (let k = 0; k < cnt; k++) {
        names.set(
          r.u16(aux + 6, "version need aux"),
          r.str(str.offset, str.size, r.u32(aux + 8, "version need aux")),
        );
        const next = r.u32(aux + 12, "version need aux");
        if (next === 0) break;
        aux += next;
      }
      const next = r.u32(at + 12, "version need");
      if (next === 0) break;
      at += next;
    }
  }
  const out: ({ name: string; hidden: boolean; index: number } | undefined)[] = [];
  for (let i = 0; i < versym.size / 2; i++) {
    const v = r.u16(versym.offset + 2 * i, "version symbol");
    const index = v & ~VERSYM_HIDDEN;
    out.push({ name: names.get(index) ?? `<${index}>`, hidden: (v & VERSYM_HIDDEN) !== 0, index });
  }
  return out;
}

/** Entries of one SHT_RELA section. */
export function relocations(elf: ElfFile, sectionIndex: number): Relocation[] {
  const sec = elf.sections[sectionIndex];
  if (!sec || sec.type !== SHT_RELA) return [];
  const r = reader(elf);
  const out: Relocation[] = [];
  const entsize = sec.entsize || 24;
  for (let at = sec.offset; at + 24 <= sec.offset + sec.size; at += entsize) {
    const infoLo = r.u32(at + 8, "relocation");
    const infoHi = r.u32(at + 12, "relocation");
    const addendLo = r.u32(at + 16, "relocation");
    const addendHi = r.u32(at + 20, "relocation") | 0;
    out.push({
      offset: r.u64(at, "relocation"),
      type: infoLo,
      sym: infoHi,
      addend: addendHi * 2 ** 32 + addendLo,
    });
  }
  return out;
}

/** Versioned name of a dynamic symbol as objdump writes it for a relocation slot. */
function versionedName(sym: ElfSymbol, version: { name: string; hidden: boolean } | undefined): string {
  if (!version) return sym.name;
  const defined = sym.shndx !== SHN_UNDEF;
  return `${sym.name}${defined && !version.hidden ? "@@" : "@"}${version.name}`;
}

/** objdump's "name@plt" symbols: one per .rela.plt entry, at its PLT entry. Empty for static binaries. */
export function pltSymbols(elf: ElfFile): ElfSymbol[] {
  const plt = elf.sections.find((s) => s.name === ".plt");
  const rela = elf.sections.find((s) => s.name === ".rela.plt" && s.type === SHT_RELA);
  if (!plt || !rela || elf.dynsym.length === 0) return [];
  const out: ElfSymbol[] = [];
  relocations(elf, rela.index).forEach((rel, i) => {
    const sym = elf.dynsym[rel.sym];
    if (!sym || rel.sym === 0) return;
    const value = plt.addr + PLT_HEADER_SIZE + i * PLT_ENTRY_SIZE;
    out.push({
      name: `${sym.name}@plt`,
      value,
      size: 0,
      type: STT_FUNC,
      bind: STB_GLOBAL,
      other: 0,
      shndx: plt.index,
    });
  });
  return out;
}

/**
 * Names objdump gives the exact addresses dynamic relocations fill ("puts@GLIBC_2.27" for a GOT slot),
 * used only for those addresses, never as the nearest symbol of another one.
 */
export function relocationSlotNames(elf: ElfFile): Map<number, string> {
  const out = new Map<number, string>();
  if (elf.dynsym.length === 0) return out;
  const versions = symbolVersions(elf);
  const dynsymIndex = elf.sections.findIndex((s) => s.type === 11);
  for (const sec of elf.sections) {
    if (sec.type !== SHT_RELA || sec.link !== dynsymIndex) continue;
    for (const rel of relocations(elf, sec.index)) {
      const sym = elf.dynsym[rel.sym];
      if (sym && rel.sym !== 0 && !out.has(rel.offset))
        out.set(rel.offset, versionedName(sym, versions[rel.sym]));
    }
  }
  return out;
}
