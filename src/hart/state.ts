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
export const STATE_WORDS = TVAL + 2;

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
  readonly buffer: ArrayBuffer;
  /** every word of the state, as int32 */
  readonly r: Int32Array;
  /** the same buffer as doubles: f register i is fd[F_DOUBLE + i] */
  readonly fd: Float64Array;

  constructor(buffer: ArrayBuffer = new ArrayBuffer(STATE_WORDS * 4)) {
    this.buffer = buffer;
    this.r = new Int32Array(buffer);
    this.fd = new Float64Array(buffer, 0, STATE_WORDS >> 1);
  }

  /** An independent copy (a new thread's registers, a snapshot). */
  clone(): HartState {
    return new HartState(this.buffer.slice(0));
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
