// A minimal static ELF64 executable for RISC-V: the ELF header, one program header (a PT_LOAD
// that maps the whole file read-write-execute at `base`) and the bytes. No sections, no
// interpreter: the kernel (or qemu-riscv64, or hartscope) maps it and gives it a stack.
// Layout from the System V gABI ("ELF Header", "Program Header") and the RISC-V psABI
// (EM_RISCV = 243; e_flags: EF_RISCV_RVC = 1, EF_RISCV_FLOAT_ABI_DOUBLE = 4).

export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
/** Where the image's contents start in the file (and in memory, relative to base). */
export const CONTENT_OFFSET = 0x1000;

const EM_RISCV = 243;
const ET_EXEC = 2;
const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const EF_RISCV_RVC = 1;
const EF_RISCV_FLOAT_ABI_DOUBLE = 4;

export interface ElfImage {
  /** virtual address the file is mapped at (page aligned) */
  base: number;
  /** entry point (absolute address) */
  entry: number;
  /** bytes placed at base + CONTENT_OFFSET */
  content: Uint8Array;
}

export function writeElf(image: ElfImage): Uint8Array {
  if (image.base % 0x1000 !== 0)
    throw new Error(`writeElf: base 0x${image.base.toString(16)} is not page aligned`);
  const size = CONTENT_OFFSET + image.content.length;
  const file = new Uint8Array(size);
  const v = new DataView(file.buffer);
  // e_ident: magic, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE (SysV)
  file.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], 0);
  v.setUint16(16, ET_EXEC, true);
  v.setUint16(18, EM_RISCV, true);
  v.setUint32(20, 1, true); // e_version
  v.setBigUint64(24, BigInt(image.entry), true);
  v.setBigUint64(32, BigInt(EHDR_SIZE), true); // e_phoff
  v.setBigUint64(40, 0n, true); // e_shoff: no section headers
  v.setUint32(48, EF_RISCV_RVC | EF_RISCV_FLOAT_ABI_DOUBLE, true);
  v.setUint16(52, EHDR_SIZE, true);
  v.setUint16(54, PHDR_SIZE, true);
  v.setUint16(56, 1, true); // e_phnum
  v.setUint16(58, 64, true); // e_shentsize
  v.setUint16(60, 0, true); // e_shnum
  v.setUint16(62, 0, true); // e_shstrndx
  const ph = EHDR_SIZE;
  v.setUint32(ph, PT_LOAD, true);
  v.setUint32(ph + 4, PF_R | PF_W | PF_X, true);
  v.setBigUint64(ph + 8, 0n, true); // p_offset: the whole file, headers included
  v.setBigUint64(ph + 16, BigInt(image.base), true); // p_vaddr
  v.setBigUint64(ph + 24, BigInt(image.base), true); // p_paddr
  v.setBigUint64(ph + 32, BigInt(size), true); // p_filesz
  v.setBigUint64(ph + 40, BigInt(size), true); // p_memsz
  v.setBigUint64(ph + 48, 0x1000n, true); // p_align
  file.set(image.content, CONTENT_OFFSET);
  return file;
}
