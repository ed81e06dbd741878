// Linux signals on riscv64: numbers, default actions, and the signal frame the kernel pushes
// on the user stack (arch/riscv/kernel/signal.c: struct rt_sigframe { siginfo; ucontext }).

import { F, FCSR, type HartState, PC } from "../hart/state.js";
import type { AddressSpace } from "./address-space.js";

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGQUIT = 3;
export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGABRT = 6;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGSEGV = 11;
export const SIGUSR2 = 12;
export const SIGPIPE = 13;
export const SIGALRM = 14;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGSTOP = 19;
export const SIGTSTP = 20;
export const SIGTTIN = 21;
export const SIGTTOU = 22;
export const SIGURG = 23;
export const SIGXCPU = 24;
export const SIGXFSZ = 25;
export const SIGWINCH = 28;
export const SIGSYS = 31;
export const NSIG = 64;

const NAMES = [
  "",
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
];

export function signalName(sig: number): string {
  if (sig > 0 && sig < NAMES.length) return NAMES[sig]!;
  if (sig >= 32 && sig <= NSIG) return `SIGRT${sig - 32}`;
  return `signal ${sig}`;
}

/** Bit of `sig` in a sigset_t (bit sig-1). */
export const sigBit = (sig: number): bigint => 1n << BigInt(sig - 1);
/** Signals that can be neither caught nor blocked. */
export const UNBLOCKABLE = sigBit(SIGKILL) | sigBit(SIGSTOP);
/** The signals whose default action stops the process (signal(7)). */
export const STOP_SIGNALS = sigBit(SIGSTOP) | sigBit(SIGTSTP) | sigBit(SIGTTIN) | sigBit(SIGTTOU);

export type DefaultAction = "term" | "core" | "ignore" | "stop" | "cont";

/** signal(7), "Standard signals". */
export function defaultAction(sig: number): DefaultAction {
  switch (sig) {
    case SIGCHLD:
    case SIGURG:
    case SIGWINCH:
      return "ignore";
    case SIGCONT:
      return "cont";
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
      return "stop";
    case SIGQUIT:
    case SIGILL:
    case SIGTRAP:
    case SIGABRT:
    case SIGBUS:
    case SIGFPE:
    case SIGSEGV:
    case SIGXCPU:
    case SIGXFSZ:
    case SIGSYS:
      return "core";
    default:
      return "term";
  }
}

export const SIG_DFL = 0;
export const SIG_IGN = 1;

export const SA_NOCLDSTOP = 0x1;
export const SA_NOCLDWAIT = 0x2;
export const SA_SIGINFO = 0x4;
export const SA_ONSTACK = 0x0800_0000;
export const SA_RESTART = 0x1000_0000;
export const SA_NODEFER = 0x4000_0000;
export const SA_RESETHAND = 0x8000_0000;

/** The kernel's struct sigaction for riscv64 (no sa_restorer): handler, flags, mask. */
export interface SigAction {
  handler: number;
  flags: number;
  mask: bigint;
}

// si_code values (include/uapi/asm-generic/siginfo.h)
export const SI_USER = 0;
export const SI_KERNEL = 0x80;
export const SI_TKILL = -6;
export const ILL_ILLOPC = 1;
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const BUS_ADRALN = 1;
export const BUS_ADRERR = 2;
export const TRAP_BRKPT = 1;
/** si_code of SIGCHLD and waitid for job control (include/uapi/asm-generic/siginfo.h) */
export const CLD_STOPPED = 5;
export const CLD_CONTINUED = 6;

export interface SigInfo {
  signo: number;
  code: number;
  /** fault address (SIGSEGV, SIGBUS, SIGILL, SIGTRAP) */
  addr?: number;
  /** sender (kill, tgkill), or the child that ended (SIGCHLD) */
  pid?: number;
  uid?: number;
  /** SIGCHLD: the child's exit code or the signal that killed it */
  status?: number;
}

export const SS_ONSTACK = 1;
export const SS_DISABLE = 2;
export const MINSIGSTKSZ = 2048;

export interface AltStack {
  sp: number;
  size: number;
  flags: number;
}

// struct rt_sigframe layout on riscv64:
//   siginfo_t info            0     128 bytes
//   struct ucontext uc        128:
//     uc_flags                +0
//     uc_link                 +8
//     uc_stack (stack_t)      +16   ss_sp, ss_flags (int + pad), ss_size
//     uc_sigmask              +40   8 bytes, then padding to 1024 bits (128 bytes in all)
//     uc_mcontext             +176  (16-byte aligned) struct sigcontext:
//       sc_regs               +0    pc, then x1..x31 (8 bytes each)
//       sc_fpregs             +256  union __riscv_fp_state: d.f[32] (8 bytes each), d.fcsr;
//                                   the union is 528 bytes (its q variant)
export const SIGINFO_SIZE = 128;
export const UC_OFFSET = SIGINFO_SIZE;
export const UC_STACK = 16;
export const UC_SIGMASK = 40;
export const UC_MCONTEXT = 176;
export const MC_FPREGS = 256;
export const MC_FCSR = MC_FPREGS + 32 * 8;
const FP_STATE_SIZE = 528;
export const RT_SIGFRAME_SIZE = UC_OFFSET + UC_MCONTEXT + MC_FPREGS + FP_STATE_SIZE;

/** The machine code of the signal-return trampoline: `li a7, 139` (rt_sigreturn); `ecall`. */
export const SIGRETURN_CODE = new Uint8Array(new Uint32Array([0x08b00893, 0x00000073]).buffer);

/** 128-byte siginfo_t. */
export function encodeSigInfo(info: SigInfo): Uint8Array {
  const b = new Uint8Array(SIGINFO_SIZE);
  const v = new DataView(b.buffer);
  v.setInt32(0, info.signo, true);
  v.setInt32(4, 0, true);
  v.setInt32(8, info.code, true);
  if (info.addr !== undefined) v.setBigUint64(16, BigInt(info.addr), true);
  else if (info.pid !== undefined) {
    v.setInt32(16, info.pid, true);
    v.setUint32(20, info.uid ?? 0, true);
    if (info.status !== undefined) v.setInt32(24, info.status, true);
  }
  return b;
}

export interface FrameRequest {
  info: SigInfo;
  action: SigAction;
  /** the blocked set to restore when the handler returns */
  savedMask: bigint;
  altstack: AltStack;
  trampoline: number;
}

/** True when sp lies on the alternate signal stack. */
export function onAltStack(alt: AltStack, sp: number): boolean {
  return alt.flags !== SS_DISABLE && alt.size > 0 && sp > alt.sp && sp <= alt.sp + alt.size;
}

/**
 * Push an rt_sigframe and point the hart at the handler, as the kernel's setup_rt_frame does:
 * a0 = signo, a1 = &info, a2 = &uc, sp = frame, ra = the sigreturn trampoline, pc = handler.
 * Throws GuestFault if the stack is not writable (the caller then kills with SIGSEGV).
 */
export function pushSignalFrame(mem: AddressSpace, state: HartState, req: FrameRequest): number {
  const sp = state.getX(2);
  let top = sp;
  const alt = req.altstack;
  if (req.action.flags & SA_ONSTACK && alt.flags !== SS_DISABLE && alt.size > 0 && !onAltStack(alt, sp)) {
    top = alt.sp + alt.size;
  }
  const frame = Math.floor((top - RT_SIGFRAME_SIZE) / 16) * 16;

  const b = new Uint8Array(RT_SIGFRAME_SIZE);
  const v = new DataView(b.buffer);
  b.set(encodeSigInfo(req.info), 0);
  const uc = UC_OFFSET;
  // uc_stack: the alternate stack as it is set now (kernel __save_altstack)
  v.setBigUint64(uc + UC_STACK, BigInt(alt.sp), true);
  const ssFlags =
    alt.flags === SS_DISABLE || alt.size === 0 ? SS_DISABLE : onAltStack(alt, sp) ? SS_ONSTACK : 0;
  v.setInt32(uc + UC_STACK + 8, ssFlags, true);
  v.setBigUint64(uc + UC_STACK + 16, BigInt(alt.size), true);
  v.setBigUint64(uc + UC_SIGMASK, BigInt.asUintN(64, req.savedMask), true);
  const mc = uc + UC_MCONTEXT;
  const r = state.r;
  v.setInt32(mc, r[PC]!, true);
  v.setInt32(mc + 4, r[PC + 1]!, true);
  for (let i = 1; i < 32; i++) {
    v.setInt32(mc + 8 * i, r[2 * i]!, true);
    v.setInt32(mc + 8 * i + 4, r[2 * i + 1]!, true);
  }
  for (let i = 0; i < 32; i++) {
    v.setInt32(mc + MC_FPREGS + 8 * i, r[F + 2 * i]!, true);
    v.setInt32(mc + MC_FPREGS + 8 * i + 4, r[F + 2 * i + 1]!, true);
  }
  v.setUint32(mc + MC_FCSR, r[FCSR]! >>> 0, true);
  mem.write(frame, b);

  state.setX(10, req.info.signo);
  state.setX(11, frame);
  state.setX(12, frame + UC_OFFSET);
  state.setX(2, frame);
  state.setX(1, req.trampoline);
  state.pc = req.action.handler;
  return frame;
}

/**
 * rt_sigreturn: reload the registers saved in the frame at sp (possibly edited by the handler)
 * and return the blocked set saved in uc_sigmask. Throws GuestFault if the frame is unreadable.
 */
export function popSignalFrame(mem: AddressSpace, state: HartState): bigint {
  const frame = state.getX(2);
  const uc = frame + UC_OFFSET;
  const b = mem.read(uc, UC_MCONTEXT + MC_FCSR + 4);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const mask = v.getBigUint64(UC_SIGMASK, true);
  const mc = UC_MCONTEXT;
  const r = state.r;
  r[PC] = v.getInt32(mc, true);
  r[PC + 1] = v.getInt32(mc + 4, true);
  for (let i = 1; i < 32; i++) {
    r[2 * i] = v.getInt32(mc + 8 * i, true);
    r[2 * i + 1] = v.getInt32(mc + 8 * i + 4, true);
  }
  for (let i = 0; i < 32; i++) {
    r[F + 2 * i] = v.getInt32(mc + MC_FPREGS + 8 * i, true);
    r[F + 2 * i + 1] = v.getInt32(mc + MC_FPREGS + 8 * i + 4, true);
  }
  r[FCSR] = v.getUint32(mc + MC_FCSR, true) & 0xff;
  return mask;
}
