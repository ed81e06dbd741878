// The F and D extensions' arithmetic, exact to the RISC-V Unprivileged ISA (chapters "F" and "D").
// Every instruction is an FpuOp named after its mnemonic with '.' -> '_' (fadd_d, fcvt_w_s, ...).
// r and fd view the same HartState buffer; rd/rs1/rs2/rs3 are register numbers (x destinations
// come as X_SINK for x0); rm is already resolved to 0..4. The return value is the fflags raised.
// The common paths use double arithmetic with error-free transformations; rare cases go to the
// exact BigInt reference in ./ref/, which is also the tests' oracle.

export type FpuOp = (
  r: Int32Array,
  fd: Float64Array,
  rd: number,
  rs1: number,
  rs2: number,
  rs3: number,
  rm: number,
) => number;

export { fadd_s, fdiv_s, fmul_s, fsqrt_s, fsub_s } from "./arith32.js";
export { fadd_d, fdiv_d, fmul_d, fsqrt_d, fsub_d } from "./arith64.js";
export { fclass_d, fclass_s } from "./classify.js";
export { feq_d, feq_s, fle_d, fle_s, flt_d, flt_s, fmax_d, fmax_s, fmin_d, fmin_s } from "./compare.js";
export {
  fcvt_d_l,
  fcvt_d_lu,
  fcvt_d_s,
  fcvt_d_w,
  fcvt_d_wu,
  fcvt_l_d,
  fcvt_l_s,
  fcvt_lu_d,
  fcvt_lu_s,
  fcvt_s_d,
  fcvt_s_l,
  fcvt_s_lu,
  fcvt_s_w,
  fcvt_s_wu,
  fcvt_w_d,
  fcvt_w_s,
  fcvt_wu_d,
  fcvt_wu_s,
} from "./convert.js";
export {
  fmadd_d,
  fmadd_s,
  fmsub_d,
  fmsub_s,
  fnmadd_d,
  fnmadd_s,
  fnmsub_d,
  fnmsub_s,
} from "./fma.js";
export {
  fmv_d_x,
  fmv_w_x,
  fmv_x_d,
  fmv_x_w,
  fsgnj_d,
  fsgnj_s,
  fsgnjn_d,
  fsgnjn_s,
  fsgnjx_d,
  fsgnjx_s,
} from "./sign.js";
