// The architectural state of one hart, in one ArrayBuffer, so that a snapshot (replay, gdb,
// the browser) is a buffer copy. Every 64-bit value is a pair of int32 words, low word first,
// because the hot path must not touch BigInt.
//
// Int32 word indices into `HartState.r`:
//   x registers   x[i] = (r[2i], r[2i+1])        i = 0..31; slot 32 (words 64,65) is the sink
//                 that decode points rd=x0 at, so x0 stays zero without a check per write.
//   f registers   f[i] bits = (r[F + 2i], r[F + 2i + 1]); as a double: `fd[F/2 + i]`.
//   pc            (r[PC], r[PC + 1])
//   fcsr          r[FCSR] = frm << 5 | fflags
//   instret       (r[INSTRET], r[INSTRET + 1]) retired instructions, as a 64-bit count
//   reservation   r[RES_VALID] != 0 when an LR reservation is held; its address (r[RES], r[RES+1])
//   trap          r[CAUSE] and (r[TVAL], r[TVAL+1]): the cause and tval of the last trap (stop.ts);
//                 its epc is the pc the hart stopped at
//   privilege     r[PRIV]: 0 user, 1 supervisor, 3 machine
//   pins          r[PINS]: the interrupt inputs (CLINT, PLIC) as mip bits
//   M and S CSRs  word pairs (privileged/csrs.ts has their WARL rules): mstatus (its writable fields;
//                 SD, UXL and SXL are computed), medeleg, mideleg, mie, mip (the software-written
//                 bits; the pins and Sstc's comparator are added on reading), the trap CSRs, the
//                 counter enables (one word each), menvcfg, senvcfg, satp, stimecmp, mcycle and
//                 minstret as last written (pairs) with the retired count then (doubles: they read
//                 as written + instructions retired since), pmpcfg (64 bytes, entry i in byte i)
//                 and pmpaddr0-63

export const X = 0;
export const X_SINK = 32;
export const F = 2 * 34; // x0..x31, the sink, one spare pair
export const F_DOUBLE = F / 2; // index of f0 in the Float64Array view
export const PC = F + 64;
export const FCSR = PC + 2;
export const INSTRET = FCSR + 2;
export const RES = INSTRET + 2;
export const RES_VALID = RES + 2;
export const CAUSE = RES_VALID + 1;
export const TVAL = CAUSE + 1;
export const PRIV = TVAL + 2;
export const PINS = PRIV + 1;
export const MSTATUS = PINS + 1;
export const MEDELEG = MSTATUS + 2;
export const MIDELEG = MEDELEG + 2;
export const MIE = MIDELEG + 2;
export const MIP = MIE + 2;
// each S trap CSR is two words after its M twin (privileged/traps.ts relies on it)
export const MTVEC = MIP + 2;
export const STVEC = MTVEC + 2;
export const MSCRATCH = STVEC + 2;
export const SSCRATCH = MSCRATCH + 2;
export const MEPC = SSCRATCH + 2;
export const SEPC = MEPC + 2;
export const MCAUSE = SEPC + 2;
export const SCAUSE = MCAUSE + 2;
export const MTVAL = SCAUSE + 2;
export const STVAL = MTVAL + 2;
export const MCOUNTEREN = STVAL + 2;
export const SCOUNTEREN = MCOUNTEREN + 1;
export const MENVCFG = SCOUNTEREN + 1;
export const SENVCFG = MENVCFG + 2;
export const SATP = SENVCFG + 2;
export const STIMECMP = SATP + 2;
/** mcycle as last written, and the retired count then (a double: fd[MCYCLE_AT / 2]) */
export const MCYCLE = STIMECMP + 2;
export const MCYCLE_AT = MCYCLE + 2;
export const MINSTRET = MCYCLE_AT + 2;
export const MINSTRET_AT = MINSTRET + 2;
export const PMPCFG = MINSTRET_AT + 2;
export const PMP_ENTRIES = 64;
export const PMPADDR = PMPCFG + PMP_ENTRIES / 4;
export const STATE_WORDS = PMPADDR + 2 * PMP_ENTRIES;

/** mstatus.FS = Dirty: a new state's floating-point unit is on (Linux starts processes so). */
const FS_DIRTY = 3 << 13;
/** pmpcfg: NAPOT, readable, writable, executable; pmpaddr all ones: the whole physical space */
const PMP_NAPOT_RWX = 0x1f;

/** fflags bits (Unprivileged ISA, "Floating-Point Control and Status Register"). */
export const FFLAG_NX = 1;
export const FFLAG_UF = 2;
export const FFLAG_OF = 4;
export const FFLAG_DZ = 8;
export const FFLAG_NV = 16;

/** Rounding modes as encoded in an instruction's rm field and in frm. */
export const RM_RNE = 0;
export const RM_RTZ = 1;
export const RM_RDN = 2;
export const RM_RUP = 3;
export const RM_RMM = 4;
export const RM_DYN = 7;

export class HartState {
  /** the buffer holding the state: its own, or guest RAM's memory while a wasm engine runs it */
  buffer: ArrayBuffer;
  /** byte offset of the state in `buffer` */
  byteOffset = -0; // (a double from the start: guest RAM's offsets pass 2^30 — see CodeCache.retired)
  /** every word of the state, as int32 */
  r: Int32Array;
  /** the same words as doubles: f register i is fd[F_DOUBLE + i] */
  fd: Float64Array;

  /**
   * A new state (no buffer given) is a user-mode hart as Linux sets one up: privilege U, FS on, the
   * counters readable (mcounteren = scounteren = 7), and PMP entry 0 granting the whole physical
   * space; Hart.reset puts it in the full system's reset state instead.
   */
  constructor(buffer?: ArrayBuffer) {
    this.buffer = buffer ?? new ArrayBuffer(STATE_WORDS * 4);
    this.r = new Int32Array(this.buffer, 0, STATE_WORDS);
    this.fd = new Float64Array(this.buffer, 0, STATE_WORDS >> 1);
    if (buffer === undefined) {
      const r = this.r;
      r[MSTATUS] = FS_DIRTY;
      r[MCOUNTEREN] = 7;
      r[SCOUNTEREN] = 7;
      r[PMPCFG] = PMP_NAPOT_RWX;
      r[PMPADDR] = -1;
      r[PMPADDR + 1] = 0x3fffff;
    }
  }

  /**
   * Move the state to `byteOffset` (8-aligned) of `buffer` (guest RAM's memory, where compiled
   * WebAssembly reads it), or back into a buffer of its own (no arguments). The words are copied;
   * `r` and `fd` are new views, so holders of the old ones must take them again (Hart does).
   */
  moveTo(buffer?: ArrayBuffer, byteOffset = 0): void {
    const old = this.r;
    const to = buffer ?? new ArrayBuffer(STATE_WORDS * 4);
    const r = new Int32Array(to, byteOffset, STATE_WORDS);
    r.set(old);
    this.buffer = to;
    this.byteOffset = buffer === undefined ? 0 : byteOffset;
    this.r = r;
    this.fd = new Float64Array(to, this.byteOffset, STATE_WORDS >> 1);
  }

  /** An independent copy (a new thread's registers, a snapshot), in a buffer of its own. */
  clone(): HartState {
    return new HartState(this.r.slice().buffer);
  }

  /** x register i as a JS number; exact while |value| < 2^53 (addresses, syscall arguments). */
  getX(i: number): number {
    return this.r[2 * i + 1]! * 4294967296 + (this.r[2 * i]! >>> 0);
  }

  /** Set x register i from a JS integer in [-2^63, 2^64); larger magnitudes lose low bits. */
  setX(i: number, value: number): void {
    if (i === 0) return;
    const lo = value % 4294967296;
    this.r[2 * i] = lo | 0;
    this.r[2 * i + 1] = Math.floor(value / 4294967296) | 0;
  }

  getXBig(i: number): bigint {
    return (BigInt(this.r[2 * i + 1]!) << 32n) | BigInt(this.r[2 * i]! >>> 0);
  }

  setXBig(i: number, value: bigint): void {
    if (i === 0) return;
    this.r[2 * i] = Number(BigInt.asIntN(32, value));
    this.r[2 * i + 1] = Number(BigInt.asIntN(32, value >> 32n));
  }

  get pc(): number {
    return this.r[PC + 1]! * 4294967296 + (this.r[PC]! >>> 0);
  }

  set pc(value: number) {
    this.r[PC] = (value % 4294967296) | 0;
    this.r[PC + 1] = Math.floor(value / 4294967296) | 0;
  }

  get instret(): number {
    return this.r[INSTRET + 1]! * 4294967296 + (this.r[INSTRET]! >>> 0);
  }
}
