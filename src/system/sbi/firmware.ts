// hartscope's built-in SBI firmware: what OpenSBI does for an S-mode kernel on QEMU virt, written
// in TypeScript and run by the machine instead of M-mode code. Every hart is set up in M-mode as
// OpenSBI leaves it before entering the kernel (delegation, counters, menvcfg, a PMP entry allowing
// everything); the boot hart enters the kernel in S-mode with a0 = hartid and a1 = the device tree,
// the others wait STOPPED until HSM's hart_start. The kernel's ECALLs from S-mode are served here
// (SBI 2.0: base, TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy calls); every other trap that
// is not delegated is redirected to S-mode, as OpenSBI does with what it does not emulate.
//
// No M-mode code ever runs, so no interrupt is enabled for M: the timer is Sstc's stimecmp (set by
// set_timer; menvcfg.STCE makes it drive STIP), and an IPI sets SSIP on the target directly.

import type { Hart } from "../../hart/hart.js";
import {
  ENVCFG_FIOM,
  FS,
  PRIV_S,
  S_IRQS,
  SIE,
  SPIE,
  SPP,
  SSIP,
  STCE_HIGH,
} from "../../hart/privileged/fields.js";
import { PMP_A, PMP_NAPOT, PMP_R, PMP_W, PMP_X } from "../../hart/privileged/pmp.js";
import {
  MCOUNTEREN,
  MEDELEG,
  MENVCFG,
  MIDELEG,
  MIP,
  MSTATUS,
  PMPADDR,
  PMPCFG,
  SATP,
  STIMECMP,
} from "../../hart/state.js";
import { Cause } from "../../hart/stop.js";
import type { Bus } from "../../machine/bus.js";
import { VIRT } from "../../machine/devices/virt-map.js";
import type { PhysicalMemory } from "../../machine/physical-memory.js";
import {
  BaseFn,
  DbcnFn,
  Ext,
  HartStatus,
  HsmFn,
  IMPL_ID,
  IMPL_VERSION,
  ResetReason,
  ResetType,
  RfenceFn,
  SbiError,
  SPEC_VERSION,
  SUSPEND_NON_RETENTIVE,
  SUSPEND_RETENTIVE,
} from "./abi.js";

/**
 * The exceptions OpenSBI delegates to S-mode (its banner's "MEDELEG: 0xb109"): misaligned fetch,
 * breakpoint, ECALL from U, and the three page faults.
 */
export const SBI_MEDELEG =
  (1 << Cause.MISALIGNED_FETCH) |
  (1 << Cause.BREAKPOINT) |
  (1 << Cause.ECALL_U) |
  (1 << Cause.FETCH_PAGE_FAULT) |
  (1 << Cause.LOAD_PAGE_FAULT) |
  (1 << Cause.STORE_PAGE_FAULT);
/** The interrupts it delegates ("MIDELEG: 0x222"): the supervisor software, timer and external ones. */
export const SBI_MIDELEG = S_IRQS;

const U64 = (1n << 64n) - 1n;
const UART_THR = 0;
const UART_RBR = 0;
const UART_LSR = 5;
const LSR_DR = 1;
/** More pages than this in a remote sfence.vma: the targets drop all their translations. */
const FENCE_PAGES_MAX = 64;

/** What the firmware needs of the machine it serves. */
export interface SbiHost {
  harts(): readonly Hart[];
  /** the bus: RAM's extent and the UART's registers */
  readonly bus: Bus;
  /** RAM, for DBCN's buffers (writes there drop stale decoded code) */
  readonly mem: PhysicalMemory;
  /** The guest asked to power off (SRST shutdown, legacy shutdown). */
  powerOff(): void;
  /** The guest asked for a reboot: the machine restarts (images reloaded, harts reset). */
  reboot(): void;
}

/** An SBI call's result: error in a0 and value in a1 (legacy calls: one value in a0). */
interface Ret {
  error: number;
  value: bigint | number;
}
const ok = (value: bigint | number = 0): Ret => ({ error: SbiError.SUCCESS, value });
const fail = (error: number): Ret => ({ error, value: 0 });
/** the harts a mask names, or "invalid" when it names one that does not exist */
type HartSet = number[] | "invalid";

export class SbiFirmware {
  private readonly status: number[];
  /** where a hart in a non-retentive suspend resumes, and its a1 */
  private readonly resume: ({ pc: number; opaque: bigint } | undefined)[];

  constructor(
    private readonly host: SbiHost,
    harts: number,
  ) {
    this.status = new Array<number>(harts).fill(HartStatus.STOPPED);
    this.resume = new Array(harts).fill(undefined);
  }

  /**
   * Power-on (and reboot): every hart set up as OpenSBI leaves it; the boot hart (0) enters the
   * kernel at `entry` in S-mode with a0 = 0 and a1 = the device tree, the others are STOPPED.
   */
  boot(entry: number, dtb: number): void {
    const harts = this.host.harts();
    for (const [i, hart] of harts.entries()) {
      this.status[i] = HartStatus.STOPPED;
      this.resume[i] = undefined;
      prepareHart(hart);
    }
    this.enter(harts[0]!, entry, 0n, BigInt(dtb));
    this.status[0] = HartStatus.STARTED;
  }

  /** May hart i run? STOPPED harts do not; a SUSPENDED hart resumes once an interrupt is pending. */
  runnable(i: number): boolean {
    const s = this.status[i]!;
    if (s === HartStatus.STARTED) return true;
    if (s !== HartStatus.SUSPENDED) return false;
    const hart = this.host.harts()[i]!;
    if (hart.waiting()) return false;
    this.status[i] = HartStatus.STARTED;
    const r = this.resume[i];
    if (r !== undefined) {
      // a non-retentive suspend resumes at its address as a fresh start (satp and SIE cleared)
      this.resume[i] = undefined;
      this.enter(hart, r.pc, BigInt(hart.id), r.opaque);
    }
    return true;
  }

  /** A SUSPENDED hart wakes as WFI does: some interrupt pending and enabled in mie. */
  suspended(i: number): boolean {
    return this.status[i] === HartStatus.SUSPENDED;
  }

  /**
   * The hart stopped at a trap: serve an SBI call (ECALL from S), or redirect an exception that
   * is not delegated to S-mode, or let the hart take it (delegated, or an interrupt).
   */
  trap(hart: Hart): void {
    const cause = hart.cause;
    if (cause === Cause.ECALL_S) {
      this.ecall(hart);
      return;
    }
    if (cause < Cause.INTERRUPT && hart.priv <= PRIV_S && ((SBI_MEDELEG >>> cause) & 1) === 0) {
      // OpenSBI redirects what it does not handle to S-mode's trap vector (sbi_trap_redirect)
      const r = hart.state.r;
      const deleg = r[MEDELEG]!;
      r[MEDELEG] = deleg | (1 << cause);
      hart.takeTrap();
      r[MEDELEG] = deleg;
      return;
    }
    hart.takeTrap();
  }

  private ecall(hart: Hart): void {
    const s = hart.state;
    const ext = Number(BigInt.asUintN(64, s.getXBig(17)));
    const fn = Number(BigInt.asUintN(64, s.getXBig(16)));
    const a = (i: number): bigint => BigInt.asUintN(64, s.getXBig(10 + i));
    const pc = s.pc;
    s.pc = pc + 4; // ECALL is 4 bytes; the engines counted it retired already
    if (ext <= 0x0f) {
      const v = this.legacy(hart, ext, a);
      if (v !== undefined) s.setXBig(10, BigInt(v));
      return;
    }
    const ret = this.call(hart, ext, fn, a);
    if (ret === undefined) return; // the hart no longer runs its caller (hart_stop, reset)
    s.setX(10, ret.error);
    s.setXBig(11, BigInt(ret.value));
  }

  private call(hart: Hart, ext: number, fn: number, a: (i: number) => bigint): Ret | undefined {
    switch (ext) {
      case Ext.BASE:
        return this.base(fn, a);
      case Ext.TIME:
        if (fn !== 0) return fail(SbiError.NOT_SUPPORTED);
        setTimer(hart, a(0));
        return ok();
      case Ext.IPI: {
        if (fn !== 0) return fail(SbiError.NOT_SUPPORTED);
        const targets = this.hartMask(a(0), a(1));
        if (targets === "invalid") return fail(SbiError.INVALID_PARAM);
        this.sendIpi(targets);
        return ok();
      }
      case Ext.RFENCE:
        return this.rfence(fn, a);
      case Ext.HSM:
        return this.hsm(hart, fn, a);
      case Ext.SRST:
        return this.systemReset(fn, a(0), a(1));
      case Ext.DBCN:
        return this.console(fn, a);
      default:
        return fail(SbiError.NOT_SUPPORTED);
    }
  }

  private base(fn: number, a: (i: number) => bigint): Ret {
    switch (fn) {
      case BaseFn.GET_SPEC_VERSION:
        return ok(SPEC_VERSION);
      case BaseFn.GET_IMPL_ID:
        return ok(IMPL_ID);
      case BaseFn.GET_IMPL_VERSION:
        return ok(IMPL_VERSION);
      case BaseFn.PROBE_EXTENSION:
        return ok(EXTENSIONS.has(a(0)) ? 1 : 0);
      case BaseFn.GET_MVENDORID:
      case BaseFn.GET_MARCHID:
      case BaseFn.GET_MIMPID:
        return ok(0); // the harts' mvendorid, marchid and mimpid read 0
      default:
        return fail(SbiError.NOT_SUPPORTED);
    }
  }

  /** The harts (hart_mask, hart_mask_base) name; a base of all ones means every hart. */
  private hartMask(mask: bigint, base: bigint): HartSet {
    const n = this.status.length;
    if (base === U64) return Array.from({ length: n }, (_, i) => i);
    const out: number[] = [];
    for (let bit = 0n; mask >> bit !== 0n; bit++) {
      if (((mask >> bit) & 1n) === 0n) continue;
      const id = base + bit;
      if (id >= BigInt(n)) return "invalid";
      out.push(Number(id));
    }
    return out;
  }

  /** SSIP on each target that runs (a STOPPED hart starts with nothing pending). */
  private sendIpi(targets: readonly number[]): void {
    const harts = this.host.harts();
    for (const i of targets) {
      if (this.status[i] === HartStatus.STOPPED) continue;
      harts[i]!.state.r[MIP]! |= SSIP;
    }
  }

  /**
   * RFENCE. Only one hart runs at a time, so every other hart is between two instructions when a
   * fence is asked for. fence.i has nothing to do on a target: a store to code drops its decoded
   * (and compiled) form for every hart at once, so the next fetch sees the new bytes. sfence.vma
   * drops the targets' translations of the range (all of them for a large or "all" range; the
   * ASID is not looked at, which drops more than asked, as the spec allows).
   */
  private rfence(fn: number, a: (i: number) => bigint): Ret {
    if (fn > RfenceFn.REMOTE_SFENCE_VMA_ASID) return fail(SbiError.NOT_SUPPORTED);
    const targets = this.hartMask(a(0), a(1));
    if (targets === "invalid") return fail(SbiError.INVALID_PARAM);
    if (fn === RfenceFn.REMOTE_FENCE_I) return ok();
    this.fenceVma(targets, a(2), a(3));
    return ok();
  }

  private fenceVma(targets: readonly number[], start: bigint, size: bigint): void {
    const harts = this.host.harts();
    const all = (start === 0n && size === 0n) || size === U64 || size > BigInt(FENCE_PAGES_MAX * 4096);
    const first = BigInt.asIntN(64, start) >> 12n;
    const last = BigInt.asIntN(64, start + (size === 0n ? 0n : size - 1n)) >> 12n;
    for (const i of targets) {
      const h = harts[i]!;
      if (all) h.fenceTranslations();
      else for (let vpn = first; vpn <= last; vpn++) h.fenceTranslations(Number(vpn));
    }
  }

  private hsm(hart: Hart, fn: number, a: (i: number) => bigint): Ret | undefined {
    const n = BigInt(this.status.length);
    switch (fn) {
      case HsmFn.HART_START: {
        if (a(0) >= n) return fail(SbiError.INVALID_PARAM);
        const id = Number(a(0));
        if (this.status[id] !== HartStatus.STOPPED) return fail(SbiError.ALREADY_AVAILABLE);
        if (!this.executable(a(1))) return fail(SbiError.INVALID_ADDRESS);
        const target = this.host.harts()[id]!;
        target.reset(Number(a(1)));
        prepareHart(target);
        this.enter(target, Number(a(1)), BigInt(id), a(2));
        this.status[id] = HartStatus.STARTED;
        return ok();
      }
      case HsmFn.HART_STOP:
        this.status[hart.id] = HartStatus.STOPPED;
        return undefined;
      case HsmFn.HART_GET_STATUS:
        if (a(0) >= n) return fail(SbiError.INVALID_PARAM);
        return ok(this.status[Number(a(0))]!);
      case HsmFn.HART_SUSPEND:
        return this.suspend(hart, a(0), a(1), a(2));
      default:
        return fail(SbiError.NOT_SUPPORTED);
    }
  }

  /** hart_suspend: the two default types; the platform-specific ranges are not supported. */
  private suspend(hart: Hart, type: bigint, resumeAddr: bigint, opaque: bigint): Ret | undefined {
    if (type === BigInt(SUSPEND_RETENTIVE)) {
      this.status[hart.id] = HartStatus.SUSPENDED;
      return ok(); // returned to the caller now; the hart runs again once runnable() says so
    }
    if (type === BigInt(SUSPEND_NON_RETENTIVE)) {
      if (!this.executable(resumeAddr)) return fail(SbiError.INVALID_ADDRESS);
      this.status[hart.id] = HartStatus.SUSPENDED;
      this.resume[hart.id] = { pc: Number(resumeAddr), opaque };
      return undefined;
    }
    const platform =
      (type >= 0x1000_0000n && type <= 0x7fff_ffffn) || (type >= 0x9000_0000n && type <= 0xffff_ffffn);
    return fail(platform ? SbiError.NOT_SUPPORTED : SbiError.INVALID_PARAM);
  }

  private systemReset(fn: number, type: bigint, reason: bigint): Ret | undefined {
    if (fn !== 0) return fail(SbiError.NOT_SUPPORTED);
    const reservedReason =
      reason > 0xffff_ffffn || (reason > BigInt(ResetReason.SYSTEM_FAILURE) && reason < 0xe000_0000n);
    if (
      type > 0xffff_ffffn ||
      (type > BigInt(ResetType.WARM_REBOOT) && type < 0xf000_0000n) ||
      reservedReason
    ) {
      return fail(SbiError.INVALID_PARAM);
    }
    if (type >= 0xf000_0000n) return fail(SbiError.NOT_SUPPORTED); // vendor-specific types
    // a shutdown ends the run with status 0 whatever the reason, as OpenSBI's QEMU virt driver does
    if (type === BigInt(ResetType.SHUTDOWN)) this.host.powerOff();
    else this.host.reboot();
    return undefined;
  }

  /** DBCN on the UART, byte by byte through its registers (as OpenSBI's console driver). */
  private console(fn: number, a: (i: number) => bigint): Ret {
    switch (fn) {
      case DbcnFn.CONSOLE_WRITE:
      case DbcnFn.CONSOLE_READ: {
        const count = a(0);
        if (a(2) !== 0n || !this.inRam(a(1), count)) return fail(SbiError.INVALID_PARAM);
        const pa = Number(a(1));
        if (fn === DbcnFn.CONSOLE_WRITE) {
          const bytes = this.host.mem.read(pa, Number(count));
          for (const b of bytes) this.putByte(b);
          return ok(bytes.length);
        }
        const got: number[] = [];
        while (got.length < Number(count)) {
          const b = this.getByte();
          if (b < 0) break;
          got.push(b);
        }
        this.host.mem.write(pa, Uint8Array.from(got));
        return ok(got.length);
      }
      case DbcnFn.CONSOLE_WRITE_BYTE:
        this.putByte(Number(a(0) & 0xffn));
        return ok();
      default:
        return fail(SbiError.NOT_SUPPORTED);
    }
  }

  /** The legacy extensions (0x00..0x08): one value back in a0, or undefined when a0 stays. */
  private legacy(hart: Hart, ext: number, a: (i: number) => bigint): number | undefined {
    switch (ext) {
      case Ext.LEGACY_SET_TIMER:
        setTimer(hart, a(0));
        return 0;
      case Ext.LEGACY_CONSOLE_PUTCHAR:
        this.putByte(Number(a(0) & 0xffn));
        return 0;
      case Ext.LEGACY_CONSOLE_GETCHAR:
        return this.getByte();
      case Ext.LEGACY_CLEAR_IPI:
        hart.state.r[MIP]! &= ~SSIP;
        return 0;
      case Ext.LEGACY_SEND_IPI:
      case Ext.LEGACY_REMOTE_FENCE_I:
      case Ext.LEGACY_REMOTE_SFENCE_VMA:
      case Ext.LEGACY_REMOTE_SFENCE_VMA_ASID: {
        // the hart mask is a pointer in S-mode's address space; NULL means every hart
        const targets = this.legacyMask(hart, a(0));
        if (targets === "invalid") return SbiError.INVALID_ADDRESS;
        if (ext === Ext.LEGACY_SEND_IPI) this.sendIpi(targets);
        else if (ext !== Ext.LEGACY_REMOTE_FENCE_I) this.fenceVma(targets, a(1), a(2));
        return 0;
      }
      case Ext.LEGACY_SHUTDOWN:
        this.host.powerOff();
        return undefined;
      default:
        return SbiError.NOT_SUPPORTED;
    }
  }

  private legacyMask(hart: Hart, pointer: bigint): HartSet {
    if (pointer === 0n) return this.hartMask(0n, U64);
    const bytes = hart.view().read(Number(pointer), 8);
    if (bytes === undefined) return "invalid";
    const mask = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    return this.hartMask(mask & ((1n << BigInt(this.status.length)) - 1n), 0n);
  }

  /** S-mode at pc with a0 and a1; satp = 0 and sstatus.SIE = 0, as hart_start promises. */
  private enter(hart: Hart, pc: number, a0: bigint, a1: bigint): void {
    const r = hart.state.r;
    r[SATP] = 0;
    r[SATP + 1] = 0;
    r[MSTATUS] = r[MSTATUS]! & ~(SIE | SPIE | SPP);
    hart.priv = PRIV_S;
    hart.state.pc = pc;
    hart.state.setXBig(10, a0);
    hart.state.setXBig(11, a1);
    hart.translationChanged(true);
  }

  private executable(pa: bigint): boolean {
    return this.inRam(pa, 2n) && (pa & 1n) === 0n;
  }

  private inRam(pa: bigint, length: bigint): boolean {
    if (pa > BigInt(Number.MAX_SAFE_INTEGER)) return false;
    const r = this.host.bus.find(Number(pa));
    return r !== undefined && r.kind === "ram" && pa + length <= BigInt(r.base + r.size);
  }

  /** A byte to the UART; a newline goes out as CR LF, as OpenSBI's console writes it. */
  private putByte(b: number): void {
    if (b === 0x0a) this.host.bus.writeDevice(VIRT.uart0.base + UART_THR, 1, 0x0dn);
    this.host.bus.writeDevice(VIRT.uart0.base + UART_THR, 1, BigInt(b));
  }

  /** A received byte, or -1 when none waits. */
  private getByte(): number {
    const lsr = this.host.bus.readDevice(VIRT.uart0.base + UART_LSR, 1) ?? 0n;
    if ((lsr & BigInt(LSR_DR)) === 0n) return -1;
    return Number((this.host.bus.readDevice(VIRT.uart0.base + UART_RBR, 1) ?? 0n) & 0xffn);
  }
}

/** The extensions probe_extension reports (the legacy ones included, as OpenSBI does). */
const EXTENSIONS = new Set<bigint>(
  [
    Ext.LEGACY_SET_TIMER,
    Ext.LEGACY_CONSOLE_PUTCHAR,
    Ext.LEGACY_CONSOLE_GETCHAR,
    Ext.LEGACY_CLEAR_IPI,
    Ext.LEGACY_SEND_IPI,
    Ext.LEGACY_REMOTE_FENCE_I,
    Ext.LEGACY_REMOTE_SFENCE_VMA,
    Ext.LEGACY_REMOTE_SFENCE_VMA_ASID,
    Ext.LEGACY_SHUTDOWN,
    Ext.BASE,
    Ext.TIME,
    Ext.IPI,
    Ext.RFENCE,
    Ext.HSM,
    Ext.SRST,
    Ext.DBCN,
  ].map(BigInt),
);

/** TIME's set_timer: stimecmp := the value; STIP follows time >= stimecmp (clearing it now if later). */
function setTimer(hart: Hart, value: bigint): void {
  const r = hart.state.r;
  r[STIMECMP] = Number(BigInt.asIntN(32, value));
  r[STIMECMP + 1] = Number(BigInt.asIntN(32, value >> 32n));
}

/**
 * A hart's M-mode state as OpenSBI leaves it for S-mode: the delegations, counters readable from S
 * (cycle, time, instret), Sstc's comparator driving STIP, the FP unit on, and PMP entry 0 allowing
 * every access (S-mode accesses that match no entry would fail).
 */
export function prepareHart(hart: Hart): void {
  const r = hart.state.r;
  r[MEDELEG] = SBI_MEDELEG;
  r[MEDELEG + 1] = 0;
  r[MIDELEG] = SBI_MIDELEG;
  r[MIDELEG + 1] = 0;
  r[MCOUNTEREN] = 7;
  r[MENVCFG] = r[MENVCFG]! & ENVCFG_FIOM;
  r[MENVCFG + 1] = STCE_HIGH;
  r[MSTATUS] = r[MSTATUS]! | FS;
  r[PMPCFG] = (r[PMPCFG]! & ~0xff) | (PMP_A & PMP_NAPOT) | PMP_R | PMP_W | PMP_X;
  r[PMPADDR] = -1;
  r[PMPADDR + 1] = 0x3fffff;
  hart.translationChanged(true);
}
