// One RV64GC hart at user level: fetch through a per-page decoded-instruction cache, dispatch on
// the decoded op, execute. The hot loop follows TinyEMU's shape: state in locals, a TLB hit is a
// tag comparison, traps leave the loop as a stop code (ARCHITECTURE.md decisions 2 and 4).
//
// Decoded-cache entry (CODE_STRIDE int32 words per 2-byte slot of a page):
//   w0  op | rd << 9 | rs1 << 15 | rs2 << 20 | rs3 << 25 | LEN4 | VALID   (0: not decoded yet)
//   w1  immediate
//   w2  rm field (FP rounding mode, or aq<<1|rl)
//   w3  the entry's own w0 while a probe replaces it (OP_PROBE): probes live in the cache, never
//       in guest memory, and unprobed instructions pay nothing for them.

import { writesIntRd } from "../isa/classes.js";
import { type Decoded, decode } from "../isa/decode.js";
import { OP_COUNT, Op } from "../isa/ops.js";
import { BASE_INSNS } from "../isa/table.js";
import * as fpu from "./fpu/index.js";
import { divrem, divremw, mul, mulh } from "./int64.js";
import { HartJit } from "./jit/hart-jit.js";
import {
  ACCESS_EXEC,
  ACCESS_READ,
  ACCESS_WRITE,
  CODE_STRIDE,
  CODE_VERSION,
  type GuestMemory,
  PAGE_MASK,
  PAGE_SHIFT,
  PAGE_SIZE,
} from "./memory.js";
import { F, FCSR, HartState, INSTRET, PC, RES, RES_VALID, X_SINK } from "./state.js";

/** Why `run` returned. */
export const Stop = { BUDGET: 0, ECALL: 1, EBREAK: 2, FAULT: 3 } as const;

/** Exception causes (Privileged ISA, table "mcause values after trap"). */
export const Cause = {
  MISALIGNED_FETCH: 0,
  FETCH_ACCESS: 1,
  ILLEGAL_INSTRUCTION: 2,
  BREAKPOINT: 3,
  MISALIGNED_LOAD: 4,
  LOAD_ACCESS: 5,
  MISALIGNED_STORE: 6,
  STORE_ACCESS: 7,
  ECALL_U: 8,
  FETCH_PAGE_FAULT: 12,
  LOAD_PAGE_FAULT: 13,
  STORE_PAGE_FAULT: 15,
} as const;

/** The op a probed cache entry carries; the original entry waits in w3. */
export const OP_PROBE = 511;

const VALID = 1 << 31;
const LEN4 = 1 << 30;
/** Words of decoded entries per page: e = (pc - pageVA) * 2 ranges below this. */
const PAGE_ENTRY_WORDS = (PAGE_SIZE >> 1) * CODE_STRIDE;
const TLB_SIZE = 256;
const TLB_MASK = TLB_SIZE - 1;
const TWO32 = 4294967296;
/** The `time` CSR ticks at 10 MHz (the timebase of QEMU's virt machine, and Linux's on it). */
export const TIME_TICK_NS = 100;

type FpuOp = fpu.FpuOp;

/** FP operations by op id, from the fpu module's functions of the same (lower-case) names. */
const FP_OPS: (FpuOp | undefined)[] = new Array(OP_COUNT).fill(undefined);
const INT_RD = new Uint8Array(OP_COUNT + 1);
for (const spec of BASE_INSNS) {
  const fn = (fpu as unknown as Record<string, FpuOp | undefined>)[spec.name.replace(/\./g, "_")];
  if (typeof fn === "function") FP_OPS[spec.op] = fn;
  INT_RD[spec.op] = writesIntRd(spec.op) ? 1 : 0;
}

/** An empty code page: every lookup misses until the first real page is installed. */
const NO_PAGE: Int32Array = new Int32Array(CODE_STRIDE * (PAGE_SIZE >> 1));

export interface HartOptions {
  /** compile hot blocks to JavaScript (hart/jit/); default `Hart.jitByDefault` */
  jit?: boolean;
}

export class Hart {
  /** whether new harts compile hot code; HARTSCOPE_JIT=off in the environment turns it off */
  static jitByDefault: boolean =
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.HARTSCOPE_JIT !==
    "off";

  readonly state: HartState;
  readonly mem: GuestMemory;
  /** instructions retired by this hart, in total */
  retired = 0;
  /** exception cause and tval of the last FAULT / EBREAK stop */
  cause = 0;
  tval = 0;
  /** called when a probed instruction is about to execute (trace layer) */
  probeHook: ((hart: Hart, pc: number) => void) | undefined = undefined;
  /**
   * The platform's timer, in `time` CSR ticks (shared by all harts of a machine); without one, this
   * hart's retired instructions at 1 ns each.
   */
  timeSource: ((hart: Hart) => number) | undefined = undefined;
  /** the block compiler running this hart's hot code; undefined: every instruction is interpreted */
  jit: HartJit | undefined;

  private gen = -1;
  // Data TLBs: tag = (vpn low 20 bits, address high word); base = host offset of the page.
  private readonly rTagLo = new Int32Array(TLB_SIZE).fill(-1);
  private readonly rTagHi = new Int32Array(TLB_SIZE);
  private readonly rBase = new Int32Array(TLB_SIZE);
  private readonly wTagLo = new Int32Array(TLB_SIZE).fill(-1);
  private readonly wTagHi = new Int32Array(TLB_SIZE);
  private readonly wBase = new Int32Array(TLB_SIZE);
  // Fetch TLB: virtual page (as a number) → decoded page and its host offset.
  private readonly xTag = new Float64Array(TLB_SIZE).fill(-1);
  private readonly xBase = new Int32Array(TLB_SIZE);
  private readonly xPage: Int32Array[] = new Array(TLB_SIZE).fill(NO_PAGE);
  private readonly decoded: Decoded = {
    op: 0,
    rd: 0,
    rs1: 0,
    rs2: 0,
    rs3: 0,
    rm: 0,
    imm: 0,
    len: 4,
    raw: 0,
    spec: undefined as unknown as Decoded["spec"],
  };

  constructor(state: HartState, mem: GuestMemory, options: HartOptions = {}) {
    this.state = state;
    this.mem = mem;
    this.jit = (options.jit ?? Hart.jitByDefault) ? new HartJit(this) : undefined;
  }

  clearReservation(): void {
    this.state.r[RES_VALID] = 0;
  }

  flushTlb(): void {
    this.rTagLo.fill(-1);
    this.wTagLo.fill(-1);
    this.xTag.fill(-1);
    this.gen = this.mem.generation;
  }

  /** Execute up to `budget` instructions; returns a Stop code. */
  run(budget: number): number {
    if (this.jit !== undefined) return this.jit.run(budget);
    return this.interpret(budget);
  }

  /** `run` one instruction at a time: the reference, and the block compiler's fallback. */
  interpret(budget: number): number {
    if (this.gen !== this.mem.generation) this.flushTlb();
    const state = this.state;
    const r = state.r;
    const view = this.mem.view;
    let pc = r[PC + 1]! * TWO32 + (r[PC]! >>> 0);
    let page: Int32Array = NO_PAGE;
    let pageVA = 0;
    let pageHost = 0;
    // Position in the page as an index into its decoded entries: e = (pc - pageVA) * 2. Sequential
    // flow and branches within the page update e with int32 arithmetic only; pc, a double, is
    // rebuilt from it when an instruction needs it or the page changes.
    let e = 0;
    let n = 0;
    let stop: number = Stop.BUDGET;

    outer: while (n < budget) {
      // ---- find pc's page ----
      const vpn = Math.floor(pc / PAGE_SIZE);
      const slot = vpn & TLB_MASK;
      if (this.xTag[slot] !== vpn && !this.fillFetch(pc, slot)) {
        stop = Stop.FAULT;
        break;
      }
      page = this.xPage[slot]!;
      pageHost = this.xBase[slot]!;
      pageVA = vpn * PAGE_SIZE;
      e = ((pc - pageVA) * 2) | 0;

      inner: while (n < budget) {
        let w0 = page[e]!;
        if (w0 === 0) {
          pc = pageVA + (e >> 1);
          w0 = this.decodeInto(page, e, pageHost, e >> 1, pc);
          if (w0 === 0) {
            stop = Stop.FAULT;
            break outer;
          }
        }
        const imm = page[e + 1]!;

        for (;;) {
          const rd = ((w0 >>> 9) & 63) << 1;
          const a = ((w0 >>> 15) & 31) << 1;
          const b = ((w0 >>> 20) & 31) << 1;
          switch (w0 & 511) {
            // ---- RV64I ----
            case Op.LUI:
              r[rd] = imm;
              r[rd + 1] = imm >> 31;
              break;
            case Op.AUIPC: {
              const v = pageVA + (e >> 1) + imm;
              r[rd] = v | 0;
              r[rd + 1] = Math.floor(v / TWO32) | 0;
              break;
            }
            case Op.JAL: {
              const npc = pageVA + (e >> 1) + 2 + ((w0 >>> 29) & 2);
              r[rd] = npc | 0;
              r[rd + 1] = Math.floor(npc / TWO32) | 0;
              n++;
              const ne = e + (imm << 1);
              if (ne >>> 0 < PAGE_ENTRY_WORDS) {
                e = ne;
                continue inner;
              }
              pc = pageVA + (ne >> 1);
              continue outer;
            }
            case Op.JALR: {
              // target = (rs1 + imm) & ~1, computed before rd is written (rd may be rs1)
              const t = this.addr(r[a]!, r[a + 1]!, imm);
              const npc = pageVA + (e >> 1) + 2 + ((w0 >>> 29) & 2);
              r[rd] = npc | 0;
              r[rd + 1] = Math.floor(npc / TWO32) | 0;
              pc = t % 2 === 0 ? t : t - 1;
              n++;
              const off = pc - pageVA;
              if (off >= 0 && off < PAGE_SIZE) {
                e = (off * 2) | 0;
                continue inner;
              }
              continue outer;
            }
            case Op.BEQ:
              if (r[a] === r[b] && r[a + 1] === r[b + 1]) {
                n++;
                const ne = e + (imm << 1);
                if (ne >>> 0 < PAGE_ENTRY_WORDS) {
                  e = ne;
                  continue inner;
                }
                pc = pageVA + (ne >> 1);
                continue outer;
              }
              break;
            case Op.BNE:
              if (r[a] !== r[b] || r[a + 1] !== r[b + 1]) {
                n++;
                const ne = e + (imm << 1);
                if (ne >>> 0 < PAGE_ENTRY_WORDS) {
                  e = ne;
                  continue inner;
                }
                pc = pageVA + (ne >> 1);
                continue outer;
              }
              break;
            case Op.BLT:
              if (r[a + 1]! < r[b + 1]! || (r[a + 1] === r[b + 1] && r[a]! >>> 0 < r[b]! >>> 0)) {
                n++;
                const ne = e + (imm << 1);
                if (ne >>> 0 < PAGE_ENTRY_WORDS) {
                  e = ne;
                  continue inner;
                }
                pc = pageVA + (ne >> 1);
                continue outer;
              }
              break;
            case Op.BGE:
              if (!(r[a + 1]! < r[b + 1]! || (r[a + 1] === r[b + 1] && r[a]! >>> 0 < r[b]! >>> 0))) {
                n++;
                const ne = e + (imm << 1);
                if (ne >>> 0 < PAGE_ENTRY_WORDS) {
                  e = ne;
                  continue inner;
                }
                pc = pageVA + (ne >> 1);
                continue outer;
              }
              break;
            case Op.BLTU:
              if (r[a + 1]! >>> 0 < r[b + 1]! >>> 0 || (r[a + 1] === r[b + 1] && r[a]! >>> 0 < r[b]! >>> 0)) {
                n++;
                const ne = e + (imm << 1);
                if (ne >>> 0 < PAGE_ENTRY_WORDS) {
                  e = ne;
                  continue inner;
                }
                pc = pageVA + (ne >> 1);
                continue outer;
              }
              break;
            case Op.BGEU:
              if (
                !(r[a + 1]! >>> 0 < r[b + 1]! >>> 0 || (r[a + 1] === r[b + 1] && r[a]! >>> 0 < r[b]! >>> 0))
              ) {
                n++;
                const ne = e + (imm << 1);
                if (ne >>> 0 < PAGE_ENTRY_WORDS) {
                  e = ne;
                  continue inner;
                }
                pc = pageVA + (ne >> 1);
                continue outer;
              }
              break;

            case Op.LB:
            case Op.LH:
            case Op.LW:
            case Op.LD:
            case Op.LBU:
            case Op.LHU:
            case Op.LWU:
            case Op.FLW:
            case Op.FLD: {
              const op = w0 & 511;
              const size = LOAD_SIZE[op]!;
              const h = this.loadAddress(r[a]!, r[a + 1]!, imm, size);
              if (h < 0) {
                pc = pageVA + (e >> 1);
                stop = Stop.FAULT;
                break outer;
              }
              switch (op) {
                case Op.LB: {
                  const v = view.getInt8(h);
                  r[rd] = v;
                  r[rd + 1] = v >> 31;
                  break;
                }
                case Op.LH: {
                  const v = view.getInt16(h, true);
                  r[rd] = v;
                  r[rd + 1] = v >> 31;
                  break;
                }
                case Op.LW: {
                  const v = view.getInt32(h, true);
                  r[rd] = v;
                  r[rd + 1] = v >> 31;
                  break;
                }
                case Op.LD:
                  r[rd] = view.getInt32(h, true);
                  r[rd + 1] = view.getInt32(h + 4, true);
                  break;
                case Op.LBU:
                  r[rd] = view.getUint8(h);
                  r[rd + 1] = 0;
                  break;
                case Op.LHU:
                  r[rd] = view.getUint16(h, true);
                  r[rd + 1] = 0;
                  break;
                case Op.LWU:
                  r[rd] = view.getInt32(h, true);
                  r[rd + 1] = 0;
                  break;
                case Op.FLW:
                  // NaN-box the single (Unprivileged ISA, "NaN Boxing of Narrower Values")
                  r[F + rd] = view.getInt32(h, true);
                  r[F + rd + 1] = -1;
                  break;
                default:
                  r[F + rd] = view.getInt32(h, true);
                  r[F + rd + 1] = view.getInt32(h + 4, true);
              }
              break;
            }

            case Op.SB:
            case Op.SH:
            case Op.SW:
            case Op.SD:
            case Op.FSW:
            case Op.FSD: {
              const op = w0 & 511;
              const size = STORE_SIZE[op]!;
              const h = this.storeAddress(r[a]!, r[a + 1]!, imm, size);
              if (h < 0) {
                pc = pageVA + (e >> 1);
                stop = Stop.FAULT;
                break outer;
              }
              switch (op) {
                case Op.SB:
                  view.setInt8(h, r[b]!);
                  break;
                case Op.SH:
                  view.setInt16(h, r[b]!, true);
                  break;
                case Op.SW:
                  view.setInt32(h, r[b]!, true);
                  break;
                case Op.SD:
                  view.setInt32(h, r[b]!, true);
                  view.setInt32(h + 4, r[b + 1]!, true);
                  break;
                case Op.FSW:
                  view.setInt32(h, r[F + b]!, true);
                  break;
                default:
                  view.setInt32(h, r[F + b]!, true);
                  view.setInt32(h + 4, r[F + b + 1]!, true);
              }
              if (h === this.mem.bounce) this.finishStraddlingStore();
              break;
            }

            case Op.ADDI: {
              const alo = r[a]!;
              const lo = (alo + imm) | 0;
              r[rd + 1] = (r[a + 1]! + (imm >> 31) + (lo >>> 0 < alo >>> 0 ? 1 : 0)) | 0;
              r[rd] = lo;
              break;
            }
            case Op.SLTI: {
              const hi = r[a + 1]!;
              const ihi = imm >> 31;
              r[rd] = hi < ihi || (hi === ihi && r[a]! >>> 0 < imm >>> 0) ? 1 : 0;
              r[rd + 1] = 0;
              break;
            }
            case Op.SLTIU: {
              const hi = r[a + 1]! >>> 0;
              const ihi = (imm >> 31) >>> 0;
              r[rd] = hi < ihi || (hi === ihi && r[a]! >>> 0 < imm >>> 0) ? 1 : 0;
              r[rd + 1] = 0;
              break;
            }
            case Op.XORI:
              r[rd + 1] = r[a + 1]! ^ (imm >> 31);
              r[rd] = r[a]! ^ imm;
              break;
            case Op.ORI:
              r[rd + 1] = r[a + 1]! | (imm >> 31);
              r[rd] = r[a]! | imm;
              break;
            case Op.ANDI:
              r[rd + 1] = r[a + 1]! & (imm >> 31);
              r[rd] = r[a]! & imm;
              break;
            case Op.SLLI:
              shiftLeft(r, rd, r[a]!, r[a + 1]!, imm);
              break;
            case Op.SRLI:
              shiftRight(r, rd, r[a]!, r[a + 1]!, imm, false);
              break;
            case Op.SRAI:
              shiftRight(r, rd, r[a]!, r[a + 1]!, imm, true);
              break;
            case Op.ADD: {
              const alo = r[a]!;
              const lo = (alo + r[b]!) | 0;
              r[rd + 1] = (r[a + 1]! + r[b + 1]! + (lo >>> 0 < alo >>> 0 ? 1 : 0)) | 0;
              r[rd] = lo;
              break;
            }
            case Op.SUB: {
              const alo = r[a]!;
              const blo = r[b]!;
              r[rd + 1] = (r[a + 1]! - r[b + 1]! - (alo >>> 0 < blo >>> 0 ? 1 : 0)) | 0;
              r[rd] = (alo - blo) | 0;
              break;
            }
            case Op.SLL:
              shiftLeft(r, rd, r[a]!, r[a + 1]!, r[b]! & 63);
              break;
            case Op.SLT: {
              const ahi = r[a + 1]!;
              const bhi = r[b + 1]!;
              r[rd] = ahi < bhi || (ahi === bhi && r[a]! >>> 0 < r[b]! >>> 0) ? 1 : 0;
              r[rd + 1] = 0;
              break;
            }
            case Op.SLTU: {
              const ahi = r[a + 1]! >>> 0;
              const bhi = r[b + 1]! >>> 0;
              r[rd] = ahi < bhi || (ahi === bhi && r[a]! >>> 0 < r[b]! >>> 0) ? 1 : 0;
              r[rd + 1] = 0;
              break;
            }
            case Op.XOR:
              r[rd + 1] = r[a + 1]! ^ r[b + 1]!;
              r[rd] = r[a]! ^ r[b]!;
              break;
            case Op.SRL:
              shiftRight(r, rd, r[a]!, r[a + 1]!, r[b]! & 63, false);
              break;
            case Op.SRA:
              shiftRight(r, rd, r[a]!, r[a + 1]!, r[b]! & 63, true);
              break;
            case Op.OR:
              r[rd + 1] = r[a + 1]! | r[b + 1]!;
              r[rd] = r[a]! | r[b]!;
              break;
            case Op.AND:
              r[rd + 1] = r[a + 1]! & r[b + 1]!;
              r[rd] = r[a]! & r[b]!;
              break;
            case Op.ADDIW: {
              const v = (r[a]! + imm) | 0;
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.SLLIW: {
              const v = r[a]! << imm;
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.SRLIW: {
              const v = (r[a]! >>> imm) | 0;
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.SRAIW: {
              const v = r[a]! >> imm;
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.ADDW: {
              const v = (r[a]! + r[b]!) | 0;
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.SUBW: {
              const v = (r[a]! - r[b]!) | 0;
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.SLLW: {
              const v = r[a]! << (r[b]! & 31);
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.SRLW: {
              const v = (r[a]! >>> (r[b]! & 31)) | 0;
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.SRAW: {
              const v = r[a]! >> (r[b]! & 31);
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.FENCE:
              break;
            case Op.FENCE_I:
              // Stores already drop the decoded instructions they overwrite (AddressSpace.noteCodeWrite),
              // so this hart's next fetch sees the new code; nothing is stale to flush.
              break;
            case Op.ECALL:
              pc = pageVA + (e >> 1);
              stop = Stop.ECALL;
              this.cause = Cause.ECALL_U;
              this.tval = 0;
              n++;
              break outer;
            case Op.EBREAK:
              pc = pageVA + (e >> 1);
              stop = Stop.EBREAK;
              this.cause = Cause.BREAKPOINT;
              this.tval = pc;
              break outer;

            // ---- M ----
            case Op.MUL:
              mul(r, rd, r[a]!, r[a + 1]!, r[b]!, r[b + 1]!);
              break;
            case Op.MULH:
              mulh(r, rd, r[a]!, r[a + 1]!, r[b]!, r[b + 1]!, true, true);
              break;
            case Op.MULHSU:
              mulh(r, rd, r[a]!, r[a + 1]!, r[b]!, r[b + 1]!, true, false);
              break;
            case Op.MULHU:
              mulh(r, rd, r[a]!, r[a + 1]!, r[b]!, r[b + 1]!, false, false);
              break;
            case Op.DIV:
              divrem(r, rd, r[a]!, r[a + 1]!, r[b]!, r[b + 1]!, true, false);
              break;
            case Op.DIVU:
              divrem(r, rd, r[a]!, r[a + 1]!, r[b]!, r[b + 1]!, false, false);
              break;
            case Op.REM:
              divrem(r, rd, r[a]!, r[a + 1]!, r[b]!, r[b + 1]!, true, true);
              break;
            case Op.REMU:
              divrem(r, rd, r[a]!, r[a + 1]!, r[b]!, r[b + 1]!, false, true);
              break;
            case Op.MULW: {
              const v = Math.imul(r[a]!, r[b]!);
              r[rd] = v;
              r[rd + 1] = v >> 31;
              break;
            }
            case Op.DIVW:
              divremw(r, rd, r[a]!, r[b]!, true, false);
              break;
            case Op.DIVUW:
              divremw(r, rd, r[a]!, r[b]!, false, false);
              break;
            case Op.REMW:
              divremw(r, rd, r[a]!, r[b]!, true, true);
              break;
            case Op.REMUW:
              divremw(r, rd, r[a]!, r[b]!, false, true);
              break;

            case OP_PROBE:
              pc = pageVA + (e >> 1);
              r[PC] = pc | 0;
              r[PC + 1] = Math.floor(pc / TWO32) | 0;
              this.probeHook?.(this, pc);
              w0 = page[e + 3]!;
              continue;

            default: {
              // A, F, D, Zicsr and everything rare: out of the hot switch.
              pc = pageVA + (e >> 1);
              r[PC] = pc | 0;
              r[PC + 1] = Math.floor(pc / TWO32) | 0;
              this.retired += n;
              budget -= n;
              n = 0;
              if (!this.executeRare(w0, imm, page[e + 2]!, pc)) {
                stop = Stop.FAULT;
                break outer;
              }
            }
          }
          break;
        }
        n++;
        e += 4 + ((w0 >>> 28) & 4);
        if (e >= PAGE_ENTRY_WORDS) {
          pc = pageVA + (e >> 1);
          continue outer;
        }
      }
      // budget spent inside the page
      pc = pageVA + (e >> 1);
      break;
    }

    r[PC] = pc | 0;
    r[PC + 1] = Math.floor(pc / TWO32) | 0;
    this.retired += n;
    const ret = this.retired;
    r[INSTRET] = ret | 0;
    r[INSTRET + 1] = Math.floor(ret / TWO32) | 0;
    return stop;
  }

  // ---- the rare instructions: A, F, D, Zicsr ----

  /** Execute one non-hot instruction at pc; false when it faulted (cause/tval set). */
  private executeRare(w0: number, imm: number, rmField: number, pc: number): boolean {
    const r = this.state.r;
    const op = w0 & 511;
    const rd = ((w0 >>> 9) & 63) << 1;
    const a = ((w0 >>> 15) & 31) << 1;
    const b = ((w0 >>> 20) & 31) << 1;
    const fn = FP_OPS[op];
    if (fn !== undefined) {
      let rm = rmField & 7;
      if (rm === 7) rm = r[FCSR]! >>> 5;
      if (rm > 4) return this.illegal(pc);
      const flags = fn(
        r,
        this.state.fd,
        (w0 >>> 9) & 63,
        (w0 >>> 15) & 31,
        (w0 >>> 20) & 31,
        (w0 >>> 25) & 31,
        rm,
      );
      if (flags !== 0) r[FCSR] |= flags;
      return true;
    }
    switch (op) {
      case Op.LR_W:
      case Op.LR_D: {
        const size = op === Op.LR_W ? 4 : 8;
        const h = this.atomicAddress(r[a]!, r[a + 1]!, size, false);
        if (h < 0) return false;
        const lo = this.mem.view.getInt32(h, true);
        r[rd + 1] = size === 4 ? lo >> 31 : this.mem.view.getInt32(h + 4, true);
        r[rd] = lo;
        r[RES] = r[a]!;
        r[RES + 1] = r[a + 1]!;
        r[RES_VALID] = size;
        return true;
      }
      case Op.SC_W:
      case Op.SC_D: {
        const size = op === Op.SC_W ? 4 : 8;
        const h = this.atomicAddress(r[a]!, r[a + 1]!, size, true);
        if (h < 0) return false;
        const ok = r[RES_VALID] === size && r[RES] === r[a] && r[RES + 1] === r[a + 1];
        r[RES_VALID] = 0;
        if (ok) {
          this.mem.view.setInt32(h, r[b]!, true);
          if (size === 8) this.mem.view.setInt32(h + 4, r[b + 1]!, true);
        }
        r[rd] = ok ? 0 : 1;
        r[rd + 1] = 0;
        return true;
      }
      case Op.CSRRW:
      case Op.CSRRS:
      case Op.CSRRC:
      case Op.CSRRWI:
      case Op.CSRRSI:
      case Op.CSRRCI:
        return this.csr(op, rd, (w0 >>> 15) & 31, imm, pc);
      default:
        if (AMO_SIZE[op] !== 0) return this.amo(op, rd, a, b);
        return this.illegal(pc);
    }
  }

  /** AMO*.W/D (Unprivileged ISA, "Atomic Memory Operations"): rd = old; mem = op(old, rs2). */
  private amo(op: number, rd: number, a: number, b: number): boolean {
    const r = this.state.r;
    const view = this.mem.view;
    const size = AMO_SIZE[op]!;
    const h = this.atomicAddress(r[a]!, r[a + 1]!, size, true);
    if (h < 0) return false;
    const olo = view.getInt32(h, true);
    const ohi = size === 8 ? view.getInt32(h + 4, true) : olo >> 31;
    let blo = r[b]!;
    let bhi = size === 8 ? r[b + 1]! : blo >> 31;
    let lo = 0;
    let hi = 0;
    switch (AMO_KIND[op]) {
      case AmoKind.SWAP:
        lo = blo;
        hi = bhi;
        break;
      case AmoKind.ADD:
        lo = (olo + blo) | 0;
        hi = (ohi + bhi + (lo >>> 0 < olo >>> 0 ? 1 : 0)) | 0;
        break;
      case AmoKind.XOR:
        lo = olo ^ blo;
        hi = ohi ^ bhi;
        break;
      case AmoKind.AND:
        lo = olo & blo;
        hi = ohi & bhi;
        break;
      case AmoKind.OR:
        lo = olo | blo;
        hi = ohi | bhi;
        break;
      default: {
        const kind = AMO_KIND[op]!;
        const unsigned = kind === AmoKind.MINU || kind === AmoKind.MAXU;
        const less = unsigned
          ? ohi >>> 0 < bhi >>> 0 || (ohi === bhi && olo >>> 0 < blo >>> 0)
          : ohi < bhi || (ohi === bhi && olo >>> 0 < blo >>> 0);
        const wantMin = kind === AmoKind.MIN || kind === AmoKind.MINU;
        if (less === wantMin) {
          blo = olo;
          bhi = ohi;
        }
        lo = blo;
        hi = bhi;
      }
    }
    view.setInt32(h, lo, true);
    if (size === 8) view.setInt32(h + 4, hi, true);
    r[rd] = olo;
    r[rd + 1] = ohi;
    return true;
  }

  /** Zicsr at user level: fflags, frm, fcsr, and the read-only cycle/time/instret counters. */
  private csr(op: number, rd: number, src: number, csr: number, pc: number): boolean {
    const r = this.state.r;
    const immediate = op === Op.CSRRWI || op === Op.CSRRSI || op === Op.CSRRCI;
    const value = immediate ? src : r[src << 1]!;
    const writes = op === Op.CSRRW || op === Op.CSRRWI || src !== 0;
    let old: number;
    switch (csr) {
      case 0x001:
        old = r[FCSR]! & 0x1f;
        break;
      case 0x002:
        old = r[FCSR]! >>> 5;
        break;
      case 0x003:
        old = r[FCSR]! & 0xff;
        break;
      case 0xc00: // cycle
      case 0xc02: // instret
      case 0xc01: {
        // time
        if (writes) return this.illegal(pc);
        const count = this.retired;
        const v = csr === 0xc01 ? (this.timeSource?.(this) ?? Math.floor(count / TIME_TICK_NS)) : count;
        r[rd] = v | 0;
        r[rd + 1] = Math.floor(v / TWO32) | 0;
        return true;
      }
      default:
        return this.illegal(pc);
    }
    if (writes) {
      let next = old;
      if (op === Op.CSRRW || op === Op.CSRRWI) next = value;
      else if (op === Op.CSRRS || op === Op.CSRRSI) next = old | value;
      else next = old & ~value;
      const fcsr = r[FCSR]!;
      if (csr === 0x001) r[FCSR] = (fcsr & ~0x1f) | (next & 0x1f);
      else if (csr === 0x002) r[FCSR] = (fcsr & 0x1f) | ((next & 7) << 5);
      else r[FCSR] = next & 0xff;
    }
    r[rd] = old;
    r[rd + 1] = 0;
    return true;
  }

  private illegal(pc: number): boolean {
    const raw = this.rawAt(pc);
    this.cause = Cause.ILLEGAL_INSTRUCTION;
    this.tval = raw;
    return false;
  }

  /** The instruction bits at pc, for tval (0 when they cannot be read). */
  private rawAt(pc: number): number {
    const h = this.mem.translate(pc | 0, Math.floor(pc / TWO32) | 0, ACCESS_EXEC);
    if (h < 0) return 0;
    const off = (pc | 0) & PAGE_MASK;
    const half = this.mem.view.getUint16(h + off, true);
    if ((half & 3) !== 3 || off > PAGE_SIZE - 4) return half;
    return this.mem.view.getUint32(h + off, true);
  }

  // ---- addresses ----

  /** rs1 + imm as a number (exact for user and canonical kernel addresses). */
  private addr(lo: number, hi: number, imm: number): number {
    return hi * TWO32 + (lo >>> 0) + imm;
  }

  /** Host offset for a load of `size` bytes at rs1+imm, or -1 after setting cause/tval. */
  private loadAddress(blo: number, bhi: number, imm: number, size: number): number {
    const lo = (blo + imm) | 0;
    const hi = (bhi + (imm >> 31) + (lo >>> 0 < blo >>> 0 ? 1 : 0)) | 0;
    const vpn = lo >>> PAGE_SHIFT;
    const i = vpn & TLB_MASK;
    const off = lo & PAGE_MASK;
    if (this.rTagLo[i] === vpn && this.rTagHi[i] === hi && off <= PAGE_SIZE - size)
      return this.rBase[i]! + off;
    return this.loadSlow(lo, hi, size);
  }

  private storeAddress(blo: number, bhi: number, imm: number, size: number): number {
    const lo = (blo + imm) | 0;
    const hi = (bhi + (imm >> 31) + (lo >>> 0 < blo >>> 0 ? 1 : 0)) | 0;
    const vpn = lo >>> PAGE_SHIFT;
    const i = vpn & TLB_MASK;
    const off = lo & PAGE_MASK;
    if (this.wTagLo[i] === vpn && this.wTagHi[i] === hi && off <= PAGE_SIZE - size)
      return this.wBase[i]! + off;
    return this.storeSlow(lo, hi, size);
  }

  private loadSlow(lo: number, hi: number, size: number): number {
    const off = lo & PAGE_MASK;
    const base = this.mem.translate(lo, hi, ACCESS_READ);
    if (base < 0) return this.dataFault(lo, hi, Cause.LOAD_PAGE_FAULT);
    if (off <= PAGE_SIZE - size) {
      const i = (lo >>> PAGE_SHIFT) & TLB_MASK;
      this.rTagLo[i] = lo >>> PAGE_SHIFT;
      this.rTagHi[i] = hi;
      this.rBase[i] = base;
      return base + off;
    }
    // Straddles two pages: gather the bytes into the bounce buffer.
    const { lo: lo2, hi: hi2 } = nextPage(lo, hi);
    const base2 = this.mem.translate(lo2, hi2, ACCESS_READ);
    if (base2 < 0) return this.dataFault(lo2, hi2, Cause.LOAD_PAGE_FAULT);
    const bytes = this.mem.bytes;
    const first = PAGE_SIZE - off;
    bytes.copyWithin(this.mem.bounce, base + off, base + PAGE_SIZE);
    bytes.copyWithin(this.mem.bounce + first, base2, base2 + size - first);
    return this.mem.bounce;
  }

  private pendingStore = { lo: 0, hi: 0, size: 0 };

  private storeSlow(lo: number, hi: number, size: number): number {
    const off = lo & PAGE_MASK;
    const base = this.mem.translate(lo, hi, ACCESS_WRITE);
    if (base < 0) return this.dataFault(lo, hi, Cause.STORE_PAGE_FAULT);
    if (off <= PAGE_SIZE - size) {
      if (this.mem.codePageIfAny(base) !== undefined) {
        // A page holding decoded code: no TLB entry, so every store keeps the cache coherent.
        this.mem.noteCodeWrite(base + off, size);
        return base + off;
      }
      const i = (lo >>> PAGE_SHIFT) & TLB_MASK;
      this.wTagLo[i] = lo >>> PAGE_SHIFT;
      this.wTagHi[i] = hi;
      this.wBase[i] = base;
      return base + off;
    }
    const { lo: lo2, hi: hi2 } = nextPage(lo, hi);
    if (this.mem.translate(lo2, hi2, ACCESS_WRITE) < 0)
      return this.dataFault(lo2, hi2, Cause.STORE_PAGE_FAULT);
    this.pendingStore.lo = lo;
    this.pendingStore.hi = hi;
    this.pendingStore.size = size;
    return this.mem.bounce;
  }

  /** Scatter a store that went to the bounce buffer over the two pages it straddles. */
  private finishStraddlingStore(): void {
    const { lo, hi, size } = this.pendingStore;
    const bytes = this.mem.bytes;
    for (let k = 0; k < size; k++) {
      const l = (lo + k) | 0;
      const h = l >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi;
      const at = this.mem.translate(l, h, ACCESS_WRITE) + (l & PAGE_MASK);
      bytes[at] = bytes[this.mem.bounce + k]!;
      if (this.mem.codePageIfAny(at - (at & PAGE_MASK)) !== undefined) this.mem.noteCodeWrite(at, 1);
    }
  }

  /** LR/SC/AMO address: naturally aligned (else a misaligned fault, as Linux reports it: SIGBUS). */
  private atomicAddress(lo: number, hi: number, size: number, write: boolean): number {
    if ((lo & (size - 1)) !== 0) {
      this.cause = write ? Cause.MISALIGNED_STORE : Cause.MISALIGNED_LOAD;
      this.tval = hi * TWO32 + (lo >>> 0);
      return -1;
    }
    return write ? this.storeAddress(lo, hi, 0, size) : this.loadAddress(lo, hi, 0, size);
  }

  private dataFault(lo: number, hi: number, cause: number): number {
    this.cause = cause;
    this.tval = hi * TWO32 + (lo >>> 0);
    return -1;
  }

  // ---- fetch and decode ----

  /** Install the fetch translation for pc's page in slot i; false after a fetch fault. */
  private fillFetch(pc: number, i: number): boolean {
    const base = this.mem.translate(pc | 0, Math.floor(pc / TWO32) | 0, ACCESS_EXEC);
    if (base < 0) {
      this.cause = Cause.FETCH_PAGE_FAULT;
      this.tval = pc;
      return false;
    }
    const page = this.mem.codePage(base);
    // A new code page invalidates write translations of its frame (ours included).
    if (this.mem.generation !== this.gen) this.flushTlb();
    this.xTag[i] = Math.floor(pc / PAGE_SIZE);
    this.xBase[i] = base;
    this.xPage[i] = page;
    return true;
  }

  /** Decode the instruction at pc into entry e of page; returns w0, or 0 after a fetch fault. */
  private decodeInto(page: Int32Array, e: number, host: number, off: number, pc: number): number {
    const view = this.mem.view;
    let raw = view.getUint16(host + off, true);
    let second = -1;
    if ((raw & 3) === 3) {
      if (off <= PAGE_SIZE - 4) raw = view.getInt32(host + off, true);
      else {
        // A 32-bit instruction across a page boundary (16-bit alignment, C extension).
        const next = pc + 2;
        second = this.mem.translate(next | 0, Math.floor(next / TWO32) | 0, ACCESS_EXEC);
        if (second < 0) {
          this.cause = Cause.FETCH_PAGE_FAULT;
          this.tval = next;
          return 0;
        }
        raw = raw | (view.getUint16(second, true) << 16) | 0;
        this.mem.codePage(second);
      }
    }
    const d = this.decoded;
    decode(raw, d);
    if (d.op === Op.ILLEGAL) {
      this.cause = Cause.ILLEGAL_INSTRUCTION;
      this.tval = d.len === 2 ? raw & 0xffff : raw >>> 0;
      return 0;
    }
    const rd = d.rd === 0 && INT_RD[d.op] === 1 ? X_SINK : d.rd;
    const w0 =
      d.op | (rd << 9) | (d.rs1 << 15) | (d.rs2 << 20) | (d.rs3 << 25) | (d.len === 4 ? LEN4 : 0) | VALID;
    page[e] = w0;
    page[e + 1] = d.imm;
    page[e + 2] = d.rm;
    if (second >= 0) this.mem.noteCrossPageInstruction(page, e, second);
    if (this.mem.generation !== this.gen) this.flushTlb();
    if (this.mem.probes.size !== 0 && this.mem.probes.has(host + off)) return markProbe(page, e);
    return w0;
  }

  // ---- probes (ARCHITECTURE.md decision 4) ----

  /**
   * Probe the instruction at virtual address va (on) or stop probing it: probeHook runs each time
   * before it executes. The guest's memory is untouched, so any instruction can be probed (LR/SC
   * sequences, EBREAK, SYSTEM) and the guest reads its own text unchanged; only va's decoded page
   * changes (its version word too, so code compiled from it is dropped). False when va is not
   * mapped executable or not 2-byte aligned.
   */
  setProbe(va: number, on: boolean): boolean {
    if (va % 2 !== 0) return false;
    const host = this.mem.translate(va | 0, Math.floor(va / TWO32) | 0, ACCESS_EXEC);
    if (host < 0) return false;
    const off = va - Math.floor(va / PAGE_SIZE) * PAGE_SIZE;
    if (on) this.mem.probes.add(host + off);
    else this.mem.probes.delete(host + off);
    const page = this.mem.codePage(host);
    const e = off * (CODE_STRIDE / 2);
    const w0 = page[e]!;
    if (w0 !== 0 && ((w0 & 511) === OP_PROBE) !== on) {
      if (on) markProbe(page, e);
      else page[e] = page[e + 3]!;
    }
    page[CODE_VERSION]++;
    if (this.mem.generation !== this.gen) this.flushTlb();
    return true;
  }
}

// ---- tables and helpers ----

/** Mark decoded entry e as probed: its w0 moves to w3, and w0 becomes OP_PROBE with the same
 * length and valid bits (so the run loop steps over it as over the original). */
function markProbe(page: Int32Array, e: number): number {
  const w0 = page[e]!;
  page[e + 3] = w0;
  page[e] = (w0 & ~511) | OP_PROBE;
  return page[e]!;
}

const AmoKind = { SWAP: 1, ADD: 2, XOR: 3, AND: 4, OR: 5, MIN: 6, MAX: 7, MINU: 8, MAXU: 9 } as const;
const AMO_SIZE = new Uint8Array(OP_COUNT + 1);
const AMO_KIND = new Uint8Array(OP_COUNT + 1);
for (const spec of BASE_INSNS) {
  const amo = /^amo([a-z]+)\.([wd])$/.exec(spec.name);
  if (amo === null) continue;
  AMO_SIZE[spec.op] = amo[2] === "w" ? 4 : 8;
  AMO_KIND[spec.op] = AmoKind[amo[1]!.toUpperCase() as keyof typeof AmoKind];
}

const LOAD_SIZE = new Uint8Array(OP_COUNT + 1);
LOAD_SIZE[Op.LB] = 1;
LOAD_SIZE[Op.LBU] = 1;
LOAD_SIZE[Op.LH] = 2;
LOAD_SIZE[Op.LHU] = 2;
LOAD_SIZE[Op.LW] = 4;
LOAD_SIZE[Op.LWU] = 4;
LOAD_SIZE[Op.FLW] = 4;
LOAD_SIZE[Op.LD] = 8;
LOAD_SIZE[Op.FLD] = 8;

const STORE_SIZE = new Uint8Array(OP_COUNT + 1);
STORE_SIZE[Op.SB] = 1;
STORE_SIZE[Op.SH] = 2;
STORE_SIZE[Op.SW] = 4;
STORE_SIZE[Op.FSW] = 4;
STORE_SIZE[Op.SD] = 8;
STORE_SIZE[Op.FSD] = 8;

function shiftLeft(r: Int32Array, d: number, lo: number, hi: number, sh: number): void {
  if (sh === 0) {
    r[d] = lo;
    r[d + 1] = hi;
  } else if (sh < 32) {
    r[d + 1] = (hi << sh) | (lo >>> (32 - sh));
    r[d] = lo << sh;
  } else {
    r[d + 1] = lo << (sh - 32);
    r[d] = 0;
  }
}

function shiftRight(r: Int32Array, d: number, lo: number, hi: number, sh: number, arithmetic: boolean): void {
  if (sh === 0) {
    r[d] = lo;
    r[d + 1] = hi;
  } else if (sh < 32) {
    r[d] = (lo >>> sh) | (hi << (32 - sh));
    r[d + 1] = arithmetic ? hi >> sh : (hi >>> sh) | 0;
  } else {
    r[d] = arithmetic ? hi >> (sh - 32) : (hi >>> (sh - 32)) | 0;
    r[d + 1] = arithmetic ? hi >> 31 : 0;
  }
}

function nextPage(lo: number, hi: number): { lo: number; hi: number } {
  const l = ((lo & ~PAGE_MASK) + PAGE_SIZE) | 0;
  return { lo: l, hi: l === 0 ? (hi + 1) | 0 : hi };
}

export { HartState };
