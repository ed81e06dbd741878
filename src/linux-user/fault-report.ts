// Turning a hart trap into the signal Linux would send (arch/riscv/kernel/traps.c), with the line
// hartscope prints if the program does not handle it:
//   hartscope: SIGSEGV at pc 0x10234 (sd a0,0(a5)): invalid write to 0x0

import { Cause } from "../hart/stop.js";
import { disassemble } from "../isa/disasm.js";
import type { LinuxProcess, PendingSignal } from "./process.js";
import {
  BUS_ADRALN,
  ILL_ILLOPC,
  SEGV_ACCERR,
  SEGV_MAPERR,
  SI_KERNEL,
  SIGBUS,
  SIGILL,
  SIGKILL,
  SIGSEGV,
  SIGTRAP,
  signalName,
  TRAP_BRKPT,
} from "./signals.js";

const hex = (n: number) => `0x${n.toString(16)}`;

/** The instruction at pc as objdump prints it (tab as a space), or undefined if unreadable. */
export function instructionAt(p: LinuxProcess, pc: number): { text: string; raw: number } | undefined {
  try {
    const lo = p.mem.read(pc, 2);
    let raw = lo[0]! | (lo[1]! << 8);
    if ((raw & 3) === 3) {
      const hi = p.mem.read(pc + 2, 2);
      raw = (raw | (hi[0]! << 16) | (hi[1]! << 24)) >>> 0;
    }
    return { text: disassemble(raw, pc).replace(/\t/g, " ").trim(), raw };
  } catch {
    return undefined;
  }
}

/** The signal for a trap with `cause` and `tval` at `pc`. */
export function faultSignal(p: LinuxProcess, pc: number, cause: number, tval: number): PendingSignal {
  const mapped = (a: number) => {
    try {
      return p.mem.isMapped(a);
    } catch {
      return false;
    }
  };
  let signo = SIGSEGV;
  let code = SEGV_MAPERR;
  let addr = tval;
  let detail: string;
  switch (cause) {
    case Cause.ILLEGAL_INSTRUCTION:
      signo = SIGILL;
      code = ILL_ILLOPC;
      addr = pc;
      detail = "illegal instruction";
      break;
    case Cause.BREAKPOINT:
      signo = SIGTRAP;
      code = TRAP_BRKPT;
      addr = pc;
      detail = "breakpoint";
      break;
    case Cause.MISALIGNED_FETCH:
      signo = SIGBUS;
      code = BUS_ADRALN;
      detail = `misaligned instruction fetch at ${hex(tval)}`;
      break;
    case Cause.MISALIGNED_LOAD:
      signo = SIGBUS;
      code = BUS_ADRALN;
      detail = `misaligned read from ${hex(tval)}`;
      break;
    case Cause.MISALIGNED_STORE:
      signo = SIGBUS;
      code = BUS_ADRALN;
      detail = `misaligned write to ${hex(tval)}`;
      break;
    case Cause.LOAD_ACCESS:
    case Cause.LOAD_PAGE_FAULT:
      if (mapped(tval)) {
        code = SEGV_ACCERR;
        detail = `read from protected memory at ${hex(tval)}`;
      } else detail = `invalid read from ${hex(tval)}`;
      break;
    case Cause.STORE_ACCESS:
    case Cause.STORE_PAGE_FAULT:
      if (mapped(tval)) {
        code = SEGV_ACCERR;
        detail = `write to protected memory at ${hex(tval)}`;
      } else detail = `invalid write to ${hex(tval)}`;
      break;
    case Cause.FETCH_ACCESS:
    case Cause.FETCH_PAGE_FAULT:
      if (mapped(tval)) {
        code = SEGV_ACCERR;
        detail = `instruction fetch from non-executable memory at ${hex(tval)}`;
      } else detail = `invalid instruction fetch from ${hex(tval)}`;
      break;
    default:
      detail = `unexpected trap (cause ${cause}, tval ${hex(tval)})`;
  }
  const access = cause === Cause.LOAD_ACCESS || cause === Cause.STORE_ACCESS || cause === Cause.FETCH_ACCESS;
  if (access && p.mem.outOfMemory !== undefined) {
    // no frame was left for a page the guest touched: the kernel's OOM killer's signal
    signo = SIGKILL;
    code = SI_KERNEL;
    detail = p.mem.outOfMemory;
  }
  const insn = instructionAt(p, pc);
  const shown = insn ? ` (${insn.text})` : "";
  return { signo, code, addr, report: `${signalName(signo)} at pc ${hex(pc)}${shown}: ${detail}` };
}
