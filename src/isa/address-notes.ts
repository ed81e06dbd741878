// objdump's "# <address> <symbol>" notes. GNU objdump remembers the value each lui/auipc put in a
// register and, when a later instruction adds an offset to that register (addi, addiw, 32-bit loads,
// stores and jalr), prints the sum once. The rules below were found by experiment with binutils 2.40
// (test/isa/disasm.test.ts replays them against it):
// - lui/auipc (also c.lui) set the register's value; nothing else changes or clears it, not even
//   writes to that register by other instructions, branches, labels or symbols;
// - the note consumes the value: the next use of that register gets no note;
// - without a remembered value, gp is __global_pointer$ (when the binary has it), tp and (for loads,
//   stores and jalr only) x0 count as 0 - these are never consumed;
// - only operands objdump prints as "reg,imm" or "imm(reg)" get a note: aliases that hide the immediate
//   (li, mv, sext.w, ret) and compressed loads, stores, c.addi16sp, c.addi4spn, c.jr, c.jalr never do;
// - jalr notes tp-based targets as tp = 0 even after lui/auipc tp (and consumes that value);
// - addiw notes are the 32-bit sum, sign-extended.

import type { Decoded } from "./decode.js";
import { Op } from "./ops.js";

const GP = 3;
const TP = 4;

export class AddressNotes {
  private readonly value = new Float64Array(32);
  private readonly known = new Uint8Array(32);

  /** @param gp value of __global_pointer$, if the binary defines it. */
  constructor(private readonly gp?: number) {}

  reset(): void {
    this.known.fill(0);
  }

  /**
   * Feeds one instruction (in listing order) and returns the address objdump notes after it, if any.
   * Addresses are JS numbers; values below zero stand for 64-bit addresses that wrapped.
   */
  step(d: Decoded, pc: number): number | undefined {
    const op = d.op;
    const compressed = d.len === 2;
    if (op === Op.LUI || op === Op.AUIPC) {
      if (d.rd !== 0) {
        this.value[d.rd] = op === Op.LUI ? d.imm : pc + d.imm;
        this.known[d.rd] = 1;
      }
      return undefined;
    }
    const name = d.spec.name;
    switch (op) {
      case Op.ADDI:
        // Printed as "add rd,rs1,imm" (no li/mv/nop alias) by addi and c.addi only.
        if (compressed ? name !== "c.addi" : d.rs1 === 0 || d.imm === 0) return undefined;
        return this.base(d.rs1, d.imm, false, false);
      case Op.ADDIW:
        if (d.imm === 0) return undefined; // sext.w
        return this.base(d.rs1, d.imm, true, false);
      case Op.JALR:
        if (compressed || (d.rd === 0 && d.rs1 === 1 && d.imm === 0)) return undefined; // c.jr/c.jalr, ret
        // jalr takes tp as 0 even when lui/auipc set it (and still consumes that value).
        if (d.rs1 === TP) {
          this.known[TP] = 0;
          return d.imm;
        }
        return this.base(d.rs1, d.imm, false, true);
      case Op.LB:
      case Op.LH:
      case Op.LW:
      case Op.LD:
      case Op.LBU:
      case Op.LHU:
      case Op.LWU:
      case Op.FLW:
      case Op.FLD:
      case Op.SB:
      case Op.SH:
      case Op.SW:
      case Op.SD:
      case Op.FSW:
      case Op.FSD:
        if (compressed) return undefined;
        return this.base(d.rs1, d.imm, false, true);
      default:
        return undefined;
    }
  }

  private base(reg: number, imm: number, word: boolean, zeroIsKnown: boolean): number | undefined {
    let v: number;
    if (reg !== 0 && this.known[reg]) {
      v = this.value[reg]!;
      this.known[reg] = 0;
    } else if (reg === GP && this.gp !== undefined) v = this.gp;
    else if (reg === TP || (reg === 0 && zeroIsKnown)) v = 0;
    else return undefined;
    const sum = v + imm;
    return word ? sum | 0 : sum;
  }
}
