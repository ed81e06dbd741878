// The shadow call stack behind ustack() and ustackdepth: exact user stacks without frame pointers
// or unwind tables. When a script asks for stacks, an instruction probe goes on every call and
// return of the program (call-sites.ts), and each thread keeps the return addresses of the calls
// it is inside, with the stack pointer each call was made at. Nothing is written into the guest.
//
// A frame is pushed when a call executes and popped when a return goes back to its address. Code
// that leaves frames without returning is recognised by the stack pointer, which a call leaves as
// it found it (psABI: sp is callee-saved):
//   - a frame made at an sp below the current one is dead: the thread left it by longjmp, C++
//     unwinding or a thread-switching trick; it is dropped at the next call or return;
//   - a return through ra to an address that is not the top frame's, at the sp the top frame's
//     call was made at, is a longjmp back into the function that made that call: the frame ends;
//   - a call through ra at the sp an earlier call was made at means that call has returned
//     unseen (through code without probes: a shared object's): its frame ends. A call through t0
//     (millicode such as __riscv_save_N) may come from a function that has no frame yet, so it
//     keeps a frame made at its own sp.
// Tail calls push nothing: the tail-called function replaces its caller, as it does on the real
// stack and in dtrace's stacks. A signal handler is entered without a call: when the kernel pushes
// its frame (proc:::signal-handle) the stack gets the interrupted pc, then the signal trampoline
// the handler returns to, so a stack inside a handler reads handler, trampoline, interrupted pc,
// interrupted callers, as dtrace's does; rt_sigreturn drops them.
// A new thread starts with an empty stack (its first frame is the call its start routine makes),
// a forked child with a copy of its parent's; a thread's stack goes when it exits, and execve
// empties it.
//
// Probes run in the order they were registered, so attach() must come after the clauses' probes:
// a clause at a call instruction then sees the stack before the call, one at a return the stack
// with the returning function still in it.

import type { HartView } from "../hart/probe-sink.js";
import { UC_MCONTEXT, UC_OFFSET } from "../linux-user/signals.js";
import { ProbeError, type Probes, type Registration } from "../machine/probes.js";
import { type CallSite, SiteKind } from "./call-sites.js";

const RA = 1;
const SP = 2;
const T0 = 5;

const A2 = 12;

const NR_EXIT = 93;
const NR_RT_SIGRETURN = 139;
const NR_CLONE = 220;
const NR_EXECVE = 221;
const NR_CLONE3 = 435;
const CLONE_VM = 0x100n;

/** One thread's calls: return addresses and the sp each call was made at, oldest first. */
class ThreadStack {
  ret: Float64Array;
  sp: Float64Array;
  n = 0;
  constructor(capacity = 64) {
    this.ret = new Float64Array(capacity);
    this.sp = new Float64Array(capacity);
  }

  copy(): ThreadStack {
    const c = new ThreadStack(Math.max(64, this.n));
    c.ret.set(this.ret.subarray(0, this.n));
    c.sp.set(this.sp.subarray(0, this.n));
    c.n = this.n;
    return c;
  }

  push(ret: number, sp: number): void {
    if (this.n === this.ret.length) {
      const r = new Float64Array(this.n * 2);
      const s = new Float64Array(this.n * 2);
      r.set(this.ret);
      s.set(this.sp);
      this.ret = r;
      this.sp = s;
    }
    this.ret[this.n] = ret;
    this.sp[this.n] = sp;
    this.n++;
  }
}

export class ShadowStacks {
  private readonly threads = new Map<number, ThreadStack>();
  private lastId = -1;
  private last: ThreadStack | undefined;
  private readonly registrations: Registration[] = [];
  /** clone/clone3 in flight, by the calling thread: whether the child shares memory */
  private readonly cloning = new Map<number, boolean>();
  /** firings of call and return probes (for measurements) */
  events = 0;

  constructor(private readonly sites: readonly CallSite[]) {
    this.siteTotal = sites.length;
  }

  private seam: Probes | undefined;
  private siteTotal: number;

  /** Number of call and return instructions probed. */
  get siteCount(): number {
    return this.siteTotal;
  }

  /** Puts the probes on the seam (after the clauses' probes: see above). */
  attach(seam: Probes): void {
    this.seam = seam;
    this.placeSites(this.sites);
    this.registrations.push(
      seam.onSyscallEntry((v, nr, args) => {
        if (nr === NR_EXIT) this.drop(v.id);
        else if (nr === NR_CLONE) this.cloning.set(v.id, (args[0]! & CLONE_VM) !== 0n && args[1] !== 0n);
        else if (nr === NR_CLONE3) this.cloning.set(v.id, clone3SharesVm(v, args[0]!));
      }),
      seam.onSyscallReturn((v, nr, result) => {
        if (nr === NR_CLONE || nr === NR_CLONE3) {
          const thread = this.cloning.get(v.id);
          this.cloning.delete(v.id);
          if (result <= 0n) return;
          const child = Number(result);
          if (this.threads.has(child)) return;
          const parent = this.threads.get(v.id);
          this.threads.set(child, thread || parent === undefined ? new ThreadStack() : parent.copy());
        } else if (nr === NR_EXECVE && result === 0n) this.drop(v.id);
      }),
    );
  }

  /**
   * Follows signal delivery (user mode): the kernel's handler frames, through the process's
   * proc:::signal-handle event and rt_sigreturn. The saved pc and sp are in the frame's
   * ucontext (a2 in the handler; at sp when the trampoline calls rt_sigreturn).
   */
  followSignals(events: { on(event: "signal-handle", hook: (v: HartView) => void): unknown }): void {
    const saved = (v: HartView, uc: number): [number, number] | undefined => {
      const b = v.read(uc + UC_MCONTEXT, 24);
      if (b === undefined) return undefined;
      const d = new DataView(b.buffer, b.byteOffset, b.byteLength);
      return [Number(d.getBigUint64(0, true)), Number(d.getBigUint64(16, true))];
    };
    events.on("signal-handle", (v) => {
      const at = saved(v, v.xNumber(A2));
      if (at === undefined) return;
      const s = this.stack(v.id);
      s.push(at[0], at[1]);
      s.push(v.xNumber(RA), v.xNumber(SP));
    });
    this.registrations.push(
      this.seam!.onSyscallEntry((v, nr) => {
        if (nr !== NR_RT_SIGRETURN) return;
        const at = saved(v, v.xNumber(SP) + UC_OFFSET);
        if (at === undefined) return;
        const s = this.stack(v.id);
        // the interrupted pc's frame, and whatever the handler left above it
        for (let i = s.n - 1; i >= 0; i--) {
          if (s.ret[i] === at[0] && s.sp[i] === at[1]) {
            s.n = i;
            return;
          }
        }
      }),
    );
  }

  /** Calls and returns of an object mapped later (a shared object), probed from now on. */
  addSites(sites: readonly CallSite[]): void {
    this.siteTotal += sites.length;
    if (this.seam !== undefined) this.placeSites(sites);
  }

  private placeSites(sites: readonly CallSite[]): void {
    const seam = this.seam!;
    const r = this.registrations;
    const call4 = (v: HartView) => this.call(v, v.pc + 4, true);
    const call2 = (v: HartView) => this.call(v, v.pc + 2, true);
    const callT0 = (v: HartView) => this.call(v, v.pc + 4, false);
    const retRa = (v: HartView) => this.ret(v, v.xNumber(RA), true);
    const retT0 = (v: HartView) => this.ret(v, v.xNumber(T0), false);
    for (const s of sites) {
      let hook: (v: HartView) => void;
      if (s.kind === SiteKind.Call) hook = s.rd === T0 ? callT0 : s.len === 4 ? call4 : call2;
      else {
        const rs1 = s.rs1;
        const imm = s.imm;
        const viaRa = rs1 === RA;
        const back =
          imm === 0
            ? viaRa
              ? retRa
              : retT0
            : (v: HartView) => this.ret(v, (v.xNumber(rs1) + imm) & ~1, viaRa);
        if (s.kind === SiteKind.Return) hook = back;
        else {
          const after = s.va + s.len;
          const viaRaCall = s.rd === RA;
          hook = (v) => {
            back(v);
            this.call(v, after, viaRaCall);
          };
        }
      }
      try {
        r.push(seam.onInstruction(s.va, hook));
      } catch (e) {
        // an address the object's sections have but its mapping does not (not executable)
        if (!(e instanceof ProbeError)) throw e;
      }
    }
  }

  detach(): void {
    for (const r of this.registrations.splice(0)) r.remove();
  }

  private stack(id: number): ThreadStack {
    if (id === this.lastId) return this.last!;
    let s = this.threads.get(id);
    if (s === undefined) {
      s = new ThreadStack();
      this.threads.set(id, s);
    }
    this.lastId = id;
    this.last = s;
    return s;
  }

  private drop(id: number): void {
    this.threads.delete(id);
    if (id === this.lastId) {
      this.lastId = -1;
      this.last = undefined;
    }
  }

  private call(v: HartView, ret: number, viaRa: boolean): void {
    this.events++;
    const s = this.stack(v.id);
    const sp = v.xNumber(SP);
    let n = s.n;
    // frames made below this sp are dead; one made at it has returned unseen (see above)
    if (viaRa) while (n > 0 && s.sp[n - 1]! <= sp) n--;
    else while (n > 0 && s.sp[n - 1]! < sp) n--;
    s.n = n;
    s.push(ret, sp);
  }

  private ret(v: HartView, target: number, viaRa: boolean): void {
    this.events++;
    const s = this.stack(v.id);
    let n = s.n;
    if (n === 0) return;
    if (s.ret[n - 1] === target) {
      s.n = n - 1;
      return;
    }
    const sp = v.xNumber(SP);
    while (n > 0 && s.sp[n - 1]! < sp) n--;
    if (n > 0 && (s.ret[n - 1] === target || (viaRa && s.sp[n - 1] === sp))) n--;
    s.n = n;
  }

  /** Frames ustack() shows for the thread at its probe: the pc, then return addresses, innermost first. */
  frames(v: HartView, limit: number): number[] {
    const out: number[] = [];
    if (limit <= 0 || v.pc === 0) return out;
    out.push(v.pc);
    const s = this.threads.get(v.id);
    if (s === undefined) return out;
    for (let i = s.n - 1; i >= 0 && out.length < limit; i--) out.push(s.ret[i]!);
    return out;
  }

  /** ustackdepth: how many frames ustack() would show without a limit. */
  depth(v: HartView): number {
    if (v.pc === 0) return 0;
    return 1 + (this.threads.get(v.id)?.n ?? 0);
  }
}

/** clone3(args, size): whether struct clone_args asks for shared memory and a new stack. */
function clone3SharesVm(v: HartView, argsAddress: bigint): boolean {
  // struct clone_args: flags at 0, stack at 40 (all __u64); see linux/sched.h
  const b = v.read(Number(BigInt.asUintN(53, argsAddress)), 48);
  if (b === undefined) return false;
  const d = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return (d.getBigUint64(0, true) & CLONE_VM) !== 0n && d.getBigUint64(40, true) !== 0n;
}
