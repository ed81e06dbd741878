// RISC-V ELF attributes (.riscv.attributes, section type SHT_RISCV_ATTRIBUTES): the ISA string and
// privileged-spec version a binary was built for (RISC-V psABI, "RISC-V ELF Attributes").
// Layout: 'A', then subsections [u32 length]["riscv\0"] holding sub-subsections
// [uleb tag (1 = whole file)][u32 length] of (uleb tag, value) pairs; odd tags carry NUL-terminated
// strings, even tags ULEB128 numbers.

import { ElfError, type ElfFile } from "./elf.js";

export const SHT_RISCV_ATTRIBUTES = 0x70000003;

export interface RiscvAttributes {
  arch?: string; // Tag_RISCV_arch (5)
  stackAlign?: number; // Tag_RISCV_stack_align (4)
  unalignedAccess?: number; // Tag_RISCV_unaligned_access (6)
  privSpec?: [major: number, minor: number, revision: number]; // tags 8, 10, 12
}

const TAG_FILE = 1;

/** Reads the file-wide RISC-V attributes; a missing section gives {}. Malformed data: ElfError. */
export function riscvAttributes(elf: ElfFile): RiscvAttributes {
  const sec = elf.sections.find((s) => s.type === SHT_RISCV_ATTRIBUTES);
  if (!sec || sec.size === 0) return {};
  const b = elf.bytes.subarray(sec.offset, sec.offset + sec.size);
  const fail = (at: number, what: string): never => {
    throw new ElfError(
      `${elf.name}: bad .riscv.attributes at offset 0x${(sec.offset + at).toString(16)}: ${what}`,
    );
  };
  if (b[0] !== 0x41) fail(0, "format version is not 'A'");
  const u32 = (at: number) => {
    if (at + 4 > b.length) fail(at, "truncated length");
    return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
  };
  const uleb = (at: number, end: number): [number, number] => {
    let v = 0;
    let scale = 1;
    for (let i = at; i < end; i++) {
      v += (b[i]! & 0x7f) * scale;
      scale *= 128;
      if (!(b[i]! & 0x80)) return [v, i + 1];
    }
    return fail(at, "truncated ULEB128 number");
  };
  const out: RiscvAttributes = {};
  const priv: number[] = [0, 0, 0];
  let havePriv = false;
  let at = 1;
  while (at < b.length) {
    const len = u32(at);
    const end = at + len;
    if (len < 4 || end > b.length) fail(at, `subsection length ${len} out of bounds`);
    const vendorEnd = b.indexOf(0, at + 4);
    if (vendorEnd < 0 || vendorEnd >= end) fail(at + 4, "unterminated vendor name");
    const vendor = new TextDecoder().decode(b.subarray(at + 4, vendorEnd));
    let p = vendorEnd + 1;
    while (vendor === "riscv" && p < end) {
      const [tag, afterTag] = uleb(p, end);
      const size = u32(afterTag);
      const subEnd = p + size;
      if (size < 5 || subEnd > end) fail(p, `attribute block length ${size} out of bounds`);
      let q = afterTag + 4;
      while (tag === TAG_FILE && q < subEnd) {
        const [attr, afterAttr] = uleb(q, subEnd);
        if (attr % 2 === 1) {
          const nul = b.indexOf(0, afterAttr);
          if (nul < 0 || nul >= subEnd) fail(afterAttr, `unterminated string for tag ${attr}`);
          const value = new TextDecoder().decode(b.subarray(afterAttr, nul));
          if (attr === 5) out.arch = value;
          q = nul + 1;
        } else {
          const [value, next] = uleb(afterAttr, subEnd);
          if (attr === 4) out.stackAlign = value;
          else if (attr === 6) out.unalignedAccess = value;
          else if (attr === 8 || attr === 10 || attr === 12) {
            priv[(attr - 8) / 2] = value;
            havePriv = true;
          }
          q = next;
        }
      }
      p = subEnd;
    }
    at = end;
  }
  if (havePriv) out.privSpec = [priv[0]!, priv[1]!, priv[2]!];
  return out;
}
