// Where a program's code calls and returns: every jal/jalr/c.jalr that writes a link register and
// every jalr/c.jr that jumps through one, found by decoding the executable sections of an ELF.
// The shadow call stack (shadow-stack.ts) puts an instruction probe on each.
//
// The RISC-V unprivileged spec (section 2.5.1, "Unconditional Jumps", and its table of return-address
// stack hints) names x1 (ra) and x5 (t0) the link registers: a jump that writes one is a call, a
// jalr with rd = x0 that reads one is a return, and a jalr that writes one link register while
// reading the other is a coroutine switch (a return, then a call). In RV64, the compressed c.jal
// encoding is c.addiw, so the only compressed call is c.jalr (which writes ra) and the only
// compressed return is c.jr through ra or t0.

import { type ElfFile, PF_X, PT_LOAD, SHF_EXECINSTR, SHT_PROGBITS } from "../elf/elf.js";

export enum SiteKind {
  /** a call: the return address is the instruction after it */
  Call = 0,
  /** a return through ra or t0 */
  Return = 1,
  /** a return through one link register and a call writing the other */
  Switch = 2,
}

export interface CallSite {
  /** the instruction's address (with the load bias) */
  readonly va: number;
  /** its length in bytes: 2 or 4 */
  readonly len: 2 | 4;
  readonly kind: SiteKind;
  /** the register written (calls, switches): 1 (ra) or 5 (t0) */
  readonly rd: number;
  /** the register read (returns, switches; jalr calls) */
  readonly rs1: number;
  /** jalr's immediate (0 for jal and the compressed forms) */
  readonly imm: number;
}

const isLink = (r: number) => r === 1 || r === 5;

/** The call or return an instruction is, or undefined. */
export function classify(raw: number, len: 2 | 4, va: number): CallSite | undefined {
  if (len === 2) {
    // c.jr (funct4 1000) and c.jalr (funct4 1001): quadrant 2, rs2 = 0, rs1 != 0
    if ((raw & 0xe07f) !== 0x8002) return undefined;
    const rs1 = (raw >>> 7) & 31;
    if (rs1 === 0) return undefined;
    if ((raw & 0x1000) !== 0) return { va, len, kind: SiteKind.Call, rd: 1, rs1, imm: 0 }; // c.jalr
    return isLink(rs1) ? { va, len, kind: SiteKind.Return, rd: 0, rs1, imm: 0 } : undefined;
  }
  const opcode = raw & 0x7f;
  const rd = (raw >>> 7) & 31;
  if (opcode === 0x6f) return isLink(rd) ? { va, len, kind: SiteKind.Call, rd, rs1: 0, imm: 0 } : undefined;
  if (opcode !== 0x67 || ((raw >>> 12) & 7) !== 0) return undefined;
  const rs1 = (raw >>> 15) & 31;
  const imm = raw >> 20;
  if (isLink(rd)) {
    const kind = isLink(rs1) && rs1 !== rd ? SiteKind.Switch : SiteKind.Call;
    return { va, len, kind, rd, rs1, imm };
  }
  if (rd === 0 && isLink(rs1)) return { va, len, kind: SiteKind.Return, rd, rs1, imm };
  return undefined;
}

/** Calls and returns in `code` (loaded at `va`), decoding from its first byte. */
export function scanCode(code: Uint8Array, va: number, out: CallSite[] = []): CallSite[] {
  for (let off = 0; off + 2 <= code.length; ) {
    const lo = code[off]! | (code[off + 1]! << 8);
    if ((lo & 3) !== 3) {
      const s = classify(lo, 2, va + off);
      if (s !== undefined) out.push(s);
      off += 2;
      continue;
    }
    if (off + 4 > code.length) break;
    const raw = (lo | (code[off + 2]! << 16) | (code[off + 3]! << 24)) >>> 0;
    const s = classify(raw, 4, va + off);
    if (s !== undefined) out.push(s);
    off += 4;
  }
  return out;
}

/**
 * Every call and return of an ELF loaded with `bias`: its executable sections decoded from their
 * start (compilers put no data in .text, so a linear decode stays on instruction boundaries), or,
 * without section headers, its executable segments.
 */
export function callSites(elf: ElfFile, bias = 0): CallSite[] {
  const out: CallSite[] = [];
  const sections = elf.sections.filter(
    (s) => s.type === SHT_PROGBITS && (s.flags & SHF_EXECINSTR) !== 0 && s.size > 0,
  );
  if (sections.length > 0) {
    for (const s of sections) scanCode(elf.bytes.subarray(s.offset, s.offset + s.size), s.addr + bias, out);
    return out;
  }
  for (const ph of elf.phdrs) {
    if (ph.type !== PT_LOAD || (ph.flags & PF_X) === 0) continue;
    scanCode(elf.bytes.subarray(ph.offset, ph.offset + ph.filesz), ph.vaddr + bias, out);
  }
  return out;
}
