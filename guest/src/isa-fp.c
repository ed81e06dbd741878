/* F and D: arithmetic on special values (±0, subnormals, min/max normal, ±inf, quiet and
 * signalling NaNs with payloads), every static rounding mode in the instruction and every
 * dynamic one through frm (fesetround, fsrm), fflags after each operation, conversions with
 * their saturation rules, fused multiply-add, fmin/fmax with NaNs and signed zeros, fclass,
 * sign injection, and NaN-boxing of single-precision values in 64-bit registers.
 * Results are raw bits with the fflags they raised: "bits/flags". */
#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t u64;

static float f_of(u64 b) {
  uint32_t w = (uint32_t)b;
  float f;
  memcpy(&f, &w, 4);
  return f;
}
static double d_of(u64 b) {
  double d;
  memcpy(&d, &b, 8);
  return d;
}
static u64 bits_f(float f) {
  uint32_t w;
  memcpy(&w, &f, 4);
  return w;
}
static u64 bits_d(double d) {
  u64 b;
  memcpy(&b, &d, 8);
  return b;
}

/* ---- one function per instruction; rm 0..4 = static rne/rtz/rdn/rup/rmm, 5 = dyn ---- */

#define RM_NAMES "rne", "rtz", "rdn", "rup", "rmm", "dyn"
static const char *const rm_names[] = {RM_NAMES};

#define BY_RM(A, INSN)        \
  switch (rm) {               \
    case 0: A(INSN, "rne"); break; \
    case 1: A(INSN, "rtz"); break; \
    case 2: A(INSN, "rdn"); break; \
    case 3: A(INSN, "rup"); break; \
    case 4: A(INSN, "rmm"); break; \
    default: A(INSN, "dyn"); break; \
  }
#define FLAGS_ON "csrw fflags, zero\n\t"
#define FLAGS_OFF "\n\tfrflags %1"

typedef u64 (*op_fn)(int rm, u64 a, u64 b, u64 c, unsigned *fl);

/* float op float [op float] with rounding mode */
#define A1(I, RM) __asm__ volatile(FLAGS_ON I " %0, %2, " RM FLAGS_OFF : "=f"(r), "=r"(f) : "f"(x))
#define A2(I, RM) __asm__ volatile(FLAGS_ON I " %0, %2, %3, " RM FLAGS_OFF : "=f"(r), "=r"(f) : "f"(x), "f"(y))
#define A3(I, RM) \
  __asm__ volatile(FLAGS_ON I " %0, %2, %3, %4, " RM FLAGS_OFF : "=f"(r), "=r"(f) : "f"(x), "f"(y), "f"(z))
#define DEF_RM(NAME, INSN, A, TI, TO, OF, BITS)                     \
  static u64 NAME(int rm, u64 a, u64 b, u64 c, unsigned *fl) {      \
    TI x = OF(a), y = OF(b), z = OF(c);                             \
    TO r;                                                           \
    unsigned f;                                                     \
    (void)y, (void)z;                                               \
    BY_RM(A, INSN)                                                  \
    *fl = f;                                                        \
    return BITS(r);                                                 \
  }
#define ID(v) (v)
#define DEF_S1(N, I) DEF_RM(N, I, A1, float, float, f_of, bits_f)
#define DEF_S2(N, I) DEF_RM(N, I, A2, float, float, f_of, bits_f)
#define DEF_S3(N, I) DEF_RM(N, I, A3, float, float, f_of, bits_f)
#define DEF_D1(N, I) DEF_RM(N, I, A1, double, double, d_of, bits_d)
#define DEF_D2(N, I) DEF_RM(N, I, A2, double, double, d_of, bits_d)
#define DEF_D3(N, I) DEF_RM(N, I, A3, double, double, d_of, bits_d)
DEF_S2(fadd_s, "fadd.s")
DEF_S2(fsub_s, "fsub.s")
DEF_S2(fmul_s, "fmul.s")
DEF_S2(fdiv_s, "fdiv.s")
DEF_S1(fsqrt_s, "fsqrt.s")
DEF_S3(fmadd_s, "fmadd.s")
DEF_S3(fmsub_s, "fmsub.s")
DEF_S3(fnmadd_s, "fnmadd.s")
DEF_S3(fnmsub_s, "fnmsub.s")
DEF_D2(fadd_d, "fadd.d")
DEF_D2(fsub_d, "fsub.d")
DEF_D2(fmul_d, "fmul.d")
DEF_D2(fdiv_d, "fdiv.d")
DEF_D1(fsqrt_d, "fsqrt.d")
DEF_D3(fmadd_d, "fmadd.d")
DEF_D3(fmsub_d, "fmsub.d")
DEF_D3(fnmadd_d, "fnmadd.d")
DEF_D3(fnmsub_d, "fnmsub.d")
DEF_RM(fcvt_s_d, "fcvt.s.d", A1, double, float, d_of, bits_f)
/* Exact conversions take no rounding mode in assembly; GNU as encodes rm = 000 (rne). The
 * "dyn" variant is spelled with .insn to check that the rm field is really ignored. */
#define NO_RM(A, INSN, DYN_INSN) \
  if (rm == 5) A(DYN_INSN, ""); \
  else A(INSN, "");
#define A1N(I, RM) __asm__ volatile(FLAGS_ON I FLAGS_OFF : "=f"(r), "=r"(f) : "f"(x))
#define AIFN(I, RM) __asm__ volatile(FLAGS_ON I FLAGS_OFF : "=f"(r), "=r"(f) : "r"(a))
static u64 fcvt_d_s(int rm, u64 a, u64 b, u64 c, unsigned *fl) {
  float x = f_of(a);
  double r;
  unsigned f;
  NO_RM(A1N, "fcvt.d.s %0, %2", ".insn r OP_FP, 7, 0x21, %0, %2, f0")
  *fl = f;
  return bits_d(r);
}
static u64 fcvt_d_w(int rm, u64 a, u64 b, u64 c, unsigned *fl) {
  double r;
  unsigned f;
  NO_RM(AIFN, "fcvt.d.w %0, %2", ".insn r OP_FP, 7, 0x69, %0, %2, x0")
  *fl = f;
  return bits_d(r);
}
static u64 fcvt_d_wu(int rm, u64 a, u64 b, u64 c, unsigned *fl) {
  double r;
  unsigned f;
  NO_RM(AIFN, "fcvt.d.wu %0, %2", ".insn r OP_FP, 7, 0x69, %0, %2, x1")
  *fl = f;
  return bits_d(r);
}

/* float -> integer register */
#define AFI(I, RM) __asm__ volatile(FLAGS_ON I " %0, %2, " RM FLAGS_OFF : "=r"(r), "=r"(f) : "f"(x))
#define DEF_F2I(NAME, INSN, TI, OF)                                 \
  static u64 NAME(int rm, u64 a, u64 b, u64 c, unsigned *fl) {      \
    TI x = OF(a);                                                   \
    u64 r;                                                          \
    unsigned f;                                                     \
    BY_RM(AFI, INSN)                                                \
    *fl = f;                                                        \
    return r;                                                       \
  }
DEF_F2I(fcvt_w_s, "fcvt.w.s", float, f_of)
DEF_F2I(fcvt_wu_s, "fcvt.wu.s", float, f_of)
DEF_F2I(fcvt_l_s, "fcvt.l.s", float, f_of)
DEF_F2I(fcvt_lu_s, "fcvt.lu.s", float, f_of)
DEF_F2I(fcvt_w_d, "fcvt.w.d", double, d_of)
DEF_F2I(fcvt_wu_d, "fcvt.wu.d", double, d_of)
DEF_F2I(fcvt_l_d, "fcvt.l.d", double, d_of)
DEF_F2I(fcvt_lu_d, "fcvt.lu.d", double, d_of)

/* integer register -> float */
#define AIF(I, RM) __asm__ volatile(FLAGS_ON I " %0, %2, " RM FLAGS_OFF : "=f"(r), "=r"(f) : "r"(a))
#define DEF_I2F(NAME, INSN, TO, BITS)                               \
  static u64 NAME(int rm, u64 a, u64 b, u64 c, unsigned *fl) {      \
    TO r;                                                           \
    unsigned f;                                                     \
    BY_RM(AIF, INSN)                                                \
    *fl = f;                                                        \
    return BITS(r);                                                 \
  }
DEF_I2F(fcvt_s_w, "fcvt.s.w", float, bits_f)
DEF_I2F(fcvt_s_wu, "fcvt.s.wu", float, bits_f)
DEF_I2F(fcvt_s_l, "fcvt.s.l", float, bits_f)
DEF_I2F(fcvt_s_lu, "fcvt.s.lu", float, bits_f)
DEF_I2F(fcvt_d_l, "fcvt.d.l", double, bits_d)
DEF_I2F(fcvt_d_lu, "fcvt.d.lu", double, bits_d)

/* no rounding mode: sign injection, min/max (float result), compares and fclass (integer) */
#define DEF_NORM_F(NAME, INSN, T, OF, BITS)                                                   \
  static u64 NAME(int rm, u64 a, u64 b, u64 c, unsigned *fl) {                                \
    T x = OF(a), y = OF(b), r;                                                                \
    unsigned f;                                                                               \
    __asm__ volatile(FLAGS_ON INSN " %0, %2, %3" FLAGS_OFF : "=f"(r), "=r"(f) : "f"(x), "f"(y)); \
    *fl = f;                                                                                  \
    return BITS(r);                                                                           \
  }
#define DEF_NORM_I(NAME, INSN, T, OF)                                                          \
  static u64 NAME(int rm, u64 a, u64 b, u64 c, unsigned *fl) {                                 \
    T x = OF(a), y = OF(b);                                                                    \
    u64 r;                                                                                     \
    unsigned f;                                                                                \
    __asm__ volatile(FLAGS_ON INSN " %0, %2, %3" FLAGS_OFF : "=r"(r), "=r"(f) : "f"(x), "f"(y)); \
    *fl = f;                                                                                   \
    return r;                                                                                  \
  }
#define DEF_CLASS(NAME, INSN, T, OF)                                                 \
  static u64 NAME(int rm, u64 a, u64 b, u64 c, unsigned *fl) {                       \
    T x = OF(a);                                                                     \
    u64 r;                                                                           \
    unsigned f;                                                                      \
    __asm__ volatile(FLAGS_ON INSN " %0, %2" FLAGS_OFF : "=r"(r), "=r"(f) : "f"(x)); \
    *fl = f;                                                                         \
    return r;                                                                        \
  }
DEF_NORM_F(fsgnj_s, "fsgnj.s", float, f_of, bits_f)
DEF_NORM_F(fsgnjn_s, "fsgnjn.s", float, f_of, bits_f)
DEF_NORM_F(fsgnjx_s, "fsgnjx.s", float, f_of, bits_f)
DEF_NORM_F(fmin_s, "fmin.s", float, f_of, bits_f)
DEF_NORM_F(fmax_s, "fmax.s", float, f_of, bits_f)
DEF_NORM_I(feq_s, "feq.s", float, f_of)
DEF_NORM_I(flt_s, "flt.s", float, f_of)
DEF_NORM_I(fle_s, "fle.s", float, f_of)
DEF_CLASS(fclass_s, "fclass.s", float, f_of)
DEF_NORM_F(fsgnj_d, "fsgnj.d", double, d_of, bits_d)
DEF_NORM_F(fsgnjn_d, "fsgnjn.d", double, d_of, bits_d)
DEF_NORM_F(fsgnjx_d, "fsgnjx.d", double, d_of, bits_d)
DEF_NORM_F(fmin_d, "fmin.d", double, d_of, bits_d)
DEF_NORM_F(fmax_d, "fmax.d", double, d_of, bits_d)
DEF_NORM_I(feq_d, "feq.d", double, d_of)
DEF_NORM_I(flt_d, "flt.d", double, d_of)
DEF_NORM_I(fle_d, "fle.d", double, d_of)
DEF_CLASS(fclass_d, "fclass.d", double, d_of)

/* ---- operand tables ---- */

static const u64 special_s[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x40400000, 0x3eaaaaab,
    0x00000001, 0x807fffff, 0x00800000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000,
    0x7fc00000, 0x7f800001, 0xffc12345, 0x7fa00000,
};
static const u64 special_d[] = {
    0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000, 0xbff0000000000000,
    0x3ff8000000000000, 0x4008000000000000, 0x3fd5555555555555, 0x0000000000000001,
    0x800fffffffffffff, 0x0010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff,
    0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001,
    0xfff8000000012345, 0x7ff4000000000000,
};
/* values whose sums, products and quotients are inexact, overflow or underflow */
static const u64 rounding_s[] = {0x3eaaaaab, 0xbdcccccd, 0x3f800001, 0xbfffffff,
                                 0x7f7ffffe, 0x00800001, 0x0000000b, 0x4b7fffff};
static const u64 rounding_d[] = {0x3fd5555555555555, 0xbfb999999999999a, 0x3ff0000000000001,
                                 0xbfffffffffffffff, 0x7feffffffffffffe, 0x0010000000000001,
                                 0x000000000000000b, 0x433fffffffffffff};
/* for float -> integer: halfway cases, limits of each integer type and just beyond */
static const u64 toint_s[] = {
    0x3f000000, 0x3fc00000, 0x40200000, 0xbf000000, 0xbfc00000, 0xc0200000, 0x4effffff, 0x4f000000,
    0xcf000000, 0xcf000001, 0x4f800000, 0x5effffff, 0x5f000000, 0xdf000000, 0xdf000001, 0x5f800000,
    0xbf7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0x80000000, 0x00000001,
};
static const u64 toint_d[] = {
    0x3fe0000000000000, 0x3ff8000000000000, 0x4004000000000000, 0xbfe0000000000000,
    0xbff8000000000000, 0xc004000000000000, 0x41dfffffffc00000, 0x41dfffffffe00000,
    0x41e0000000000000, 0xc1e0000000000000, 0xc1e0000000200000, 0x41efffffffffffff,
    0x41f0000000000000, 0x43dfffffffffffff, 0x43e0000000000000, 0xc3e0000000000000,
    0xc3e0000000000001, 0x43f0000000000000, 0xbfefffffffffffff, 0x7ff0000000000000,
    0xfff0000000000000, 0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001,
};
/* integer -> float: the W forms read only the low 32 bits, so upper garbage must not matter */
static const u64 ints[] = {
    0, 1, (u64)-1, 0x7fffffff, 0x80000000, 0xffffffff, 0x1234567880000000, 0x01000001,
    0xffffffff7fffffff, 0x20000000000001, 0x7fffffffffffffff, 0x8000000000000000,
    0xfffffffffffffffe, 0x7fffff7fffffffff, 0x00000000ffffff81, 0xdeadbeef00000003,
};
/* fused multiply-add with special values (including inf * 0 + qNaN, which raises NV) */
static const u64 fma_s[] = {0x00000000, 0x80000000, 0x3f800000, 0xbfc00000, 0x7f7fffff,
                            0x00000001, 0x7f800000, 0x7fc00000, 0x7f800001};
static const u64 fma_d[] = {0x0000000000000000, 0x8000000000000000, 0x3ff0000000000000,
                            0xbff8000000000000, 0x7fefffffffffffff, 0x0000000000000001,
                            0x7ff0000000000000, 0x7ff8000000000000, 0x7ff0000000000001};
#define N(t) (int)(sizeof t / sizeof t[0])

static void set_frm(int rm) { __asm__ volatile("fsrm %0" : : "r"(rm)); }

/* The dynamic rounding mode must give what the same static one gives: report only differences. */
static int dyn_mismatches;
static u64 run(op_fn fn, int rm, u64 a, u64 b, u64 c, unsigned *fl) {
  u64 r = fn(rm, a, b, c, fl);
  unsigned dfl;
  set_frm(rm);
  u64 d = fn(5, a, b, c, &dfl);
  set_frm(0);
  if (d != r || dfl != *fl) {
    dyn_mismatches++;
    printf("  dyn mismatch rm=%s a=%llx b=%llx c=%llx: static %llx/%02x dyn %llx/%02x\n", rm_names[rm],
           (unsigned long long)a, (unsigned long long)b, (unsigned long long)c, (unsigned long long)r, *fl,
           (unsigned long long)d, dfl);
  }
  return r;
}

static void print_result(u64 r, unsigned fl) { printf(" %llx/%02x", (unsigned long long)r, fl); }

/* binary table: one row per (op, rm, a), one column per b */
static void table2(const char *name, op_fn fn, const u64 *v, int n, int rm_lo, int rm_hi) {
  for (int rm = rm_lo; rm <= rm_hi; rm++)
    for (int i = 0; i < n; i++) {
      printf("%s %s %llx:", name, rm_names[rm], (unsigned long long)v[i]);
      for (int j = 0; j < n; j++) {
        unsigned fl;
        u64 r = run(fn, rm, v[i], v[j], 0, &fl);
        print_result(r, fl);
      }
      printf("\n");
    }
}

/* unary table: one row per (op, rm) */
static void table1(const char *name, op_fn fn, const u64 *v, int n, int rm_lo, int rm_hi) {
  for (int rm = rm_lo; rm <= rm_hi; rm++) {
    printf("%s %s:", name, rm_names[rm]);
    for (int i = 0; i < n; i++) {
      unsigned fl;
      u64 r = run(fn, rm, v[i], 0, 0, &fl);
      print_result(r, fl);
    }
    printf("\n");
  }
}

static void table3(const char *name, op_fn fn, const u64 *v, int n, int rm_lo, int rm_hi) {
  for (int rm = rm_lo; rm <= rm_hi; rm++)
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        printf("%s %s %llx %llx:", name, rm_names[rm], (unsigned long long)v[i], (unsigned long long)v[j]);
        for (int k = 0; k < n; k++) {
          unsigned fl;
          u64 r = run(fn, rm, v[i], v[j], v[k], &fl);
          print_result(r, fl);
        }
        printf("\n");
      }
}

static void arithmetic(void) {
  static const struct {
    const char *name;
    op_fn s, d;
  } bin[] = {{"fadd", fadd_s, fadd_d}, {"fsub", fsub_s, fsub_d}, {"fmul", fmul_s, fmul_d}, {"fdiv", fdiv_s, fdiv_d}};
  char name[32];
  for (int i = 0; i < 4; i++) {
    snprintf(name, sizeof name, "%s.s", bin[i].name);
    table2(name, bin[i].s, special_s, N(special_s), 0, 0);
    table2(name, bin[i].s, rounding_s, N(rounding_s), 0, 4);
    snprintf(name, sizeof name, "%s.d", bin[i].name);
    table2(name, bin[i].d, special_d, N(special_d), 0, 0);
    table2(name, bin[i].d, rounding_d, N(rounding_d), 0, 4);
  }
  table1("fsqrt.s", fsqrt_s, special_s, N(special_s), 0, 4);
  table1("fsqrt.s", fsqrt_s, rounding_s, N(rounding_s), 0, 4);
  table1("fsqrt.d", fsqrt_d, special_d, N(special_d), 0, 4);
  table1("fsqrt.d", fsqrt_d, rounding_d, N(rounding_d), 0, 4);
  static const struct {
    const char *name;
    op_fn s, d;
  } fma[] = {{"fmadd", fmadd_s, fmadd_d},
             {"fmsub", fmsub_s, fmsub_d},
             {"fnmadd", fnmadd_s, fnmadd_d},
             {"fnmsub", fnmsub_s, fnmsub_d}};
  for (int i = 0; i < 4; i++) {
    snprintf(name, sizeof name, "%s.s", fma[i].name);
    table3(name, fma[i].s, fma_s, N(fma_s), 0, 0);
    table3(name, fma[i].s, rounding_s, 4, 0, 4);
    snprintf(name, sizeof name, "%s.d", fma[i].name);
    table3(name, fma[i].d, fma_d, N(fma_d), 0, 0);
    table3(name, fma[i].d, rounding_d, 4, 0, 4);
  }
}

static void no_rounding(void) {
  static const struct {
    const char *name;
    op_fn fn;
    int dbl;
  } ops[] = {
      {"fsgnj.s", fsgnj_s, 0}, {"fsgnjn.s", fsgnjn_s, 0}, {"fsgnjx.s", fsgnjx_s, 0}, {"fmin.s", fmin_s, 0},
      {"fmax.s", fmax_s, 0},   {"feq.s", feq_s, 0},       {"flt.s", flt_s, 0},       {"fle.s", fle_s, 0},
      {"fsgnj.d", fsgnj_d, 1}, {"fsgnjn.d", fsgnjn_d, 1}, {"fsgnjx.d", fsgnjx_d, 1}, {"fmin.d", fmin_d, 1},
      {"fmax.d", fmax_d, 1},   {"feq.d", feq_d, 1},       {"flt.d", flt_d, 1},       {"fle.d", fle_d, 1},
  };
  for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    const u64 *v = ops[i].dbl ? special_d : special_s;
    for (int a = 0; a < N(special_s); a++) {
      printf("%s %llx:", ops[i].name, (unsigned long long)v[a]);
      for (int b = 0; b < N(special_s); b++) {
        unsigned fl;
        u64 r = ops[i].fn(0, v[a], v[b], 0, &fl);
        print_result(r, fl);
      }
      printf("\n");
    }
  }
  table1("fclass.s", fclass_s, special_s, N(special_s), 0, 0);
  table1("fclass.d", fclass_d, special_d, N(special_d), 0, 0);
}

static void conversions(void) {
  static const struct {
    const char *name;
    op_fn fn;
  } f2i_s[] = {{"fcvt.w.s", fcvt_w_s}, {"fcvt.wu.s", fcvt_wu_s}, {"fcvt.l.s", fcvt_l_s}, {"fcvt.lu.s", fcvt_lu_s}},
    f2i_d[] = {{"fcvt.w.d", fcvt_w_d}, {"fcvt.wu.d", fcvt_wu_d}, {"fcvt.l.d", fcvt_l_d}, {"fcvt.lu.d", fcvt_lu_d}},
    i2f[] = {{"fcvt.s.w", fcvt_s_w}, {"fcvt.s.wu", fcvt_s_wu}, {"fcvt.s.l", fcvt_s_l}, {"fcvt.s.lu", fcvt_s_lu},
             {"fcvt.d.w", fcvt_d_w}, {"fcvt.d.wu", fcvt_d_wu}, {"fcvt.d.l", fcvt_d_l}, {"fcvt.d.lu", fcvt_d_lu}};
  for (int i = 0; i < 4; i++) table1(f2i_s[i].name, f2i_s[i].fn, toint_s, N(toint_s), 0, 4);
  for (int i = 0; i < 4; i++) table1(f2i_d[i].name, f2i_d[i].fn, toint_d, N(toint_d), 0, 4);
  for (int i = 0; i < 8; i++) table1(i2f[i].name, i2f[i].fn, ints, N(ints), 0, 4);
  table1("fcvt.s.d", fcvt_s_d, special_d, N(special_d), 0, 4);
  table1("fcvt.s.d", fcvt_s_d, rounding_d, N(rounding_d), 0, 4);
  table1("fcvt.d.s", fcvt_d_s, special_s, N(special_s), 0, 0);
  table1("fcvt.d.s", fcvt_d_s, rounding_s, N(rounding_s), 0, 0);
}

/* Moves, loads and stores copy bits (no NaN canonicalisation); single-precision values live
 * NaN-boxed in 64-bit registers, and an operand that is not properly boxed reads as the
 * canonical NaN (Unprivileged ISA, "NaN Boxing of Narrower Values"). */
static void moves_and_boxing(void) {
  long x;
  double dv;
  __asm__ volatile("fmv.w.x %0, %1" : "=f"(dv) : "r"(0x7f800001L));
  __asm__ volatile("fmv.x.d %0, %1" : "=r"(x) : "f"(dv));
  printf("fmv.w.x boxes: %lx\n", x);
  __asm__ volatile("fmv.w.x ft0, %1\n fmv.x.w %0, ft0" : "=r"(x) : "r"(0x80000000L) : "ft0");
  printf("fmv.x.w sign-extends: %lx\n", x);
  __asm__ volatile("fmv.d.x ft0, %1\n fmv.x.w %0, ft0" : "=r"(x) : "r"(0x123456789abcdef0L) : "ft0");
  printf("fmv.x.w of an unboxed register: %lx\n", x);
  unsigned fl;
  __asm__ volatile(FLAGS_ON "fmv.d.x ft0, %2\n fadd.s ft1, ft0, ft0\n fmv.x.d %0, ft1" FLAGS_OFF
                   : "=r"(x), "=r"(fl)
                   : "r"(0x000000003f800000L)
                   : "ft0", "ft1");
  printf("fadd.s of an unboxed operand: %lx/%02x\n", x, fl);
  __asm__ volatile("fmv.d.x ft0, %1\n fmv.w.x ft1, %2\n fsgnjn.s ft1, ft1, ft0\n fmv.x.d %0, ft1"
                   : "=r"(x)
                   : "r"(0xffffff00bf800000L), "r"(0x40000000L)
                   : "ft0", "ft1");
  printf("fsgnjn.s with an unboxed sign source: %lx\n", x);
  __asm__ volatile("fmv.d.x ft0, %1\n fclass.s %0, ft0" : "=r"(x) : "r"(0x00000000ff800000L) : "ft0");
  printf("fclass.s of an unboxed register: %lx\n", x);
  uint32_t word[2] = {0, 0};
  __asm__ volatile("fmv.d.x ft0, %1\n fsw ft0, 0(%0)" : : "r"(word), "r"(0x1111111122222222L) : "ft0", "memory");
  printf("fsw of an unboxed register: %x\n", word[0]);
  u64 nan = 0x7ff0000000000001, out;
  __asm__ volatile("fld ft0, 0(%1)\n fsd ft0, 0(%0)" : : "r"(&out), "r"(&nan) : "ft0", "memory");
  printf("fld/fsd keep a signalling NaN: %llx\n", (unsigned long long)out);
  uint32_t snan = 0x7f800001, w;
  __asm__ volatile("flw ft0, 0(%1)\n fmv.x.d %0, ft0" : "=r"(x) : "r"(&snan) : "ft0", "memory");
  __asm__ volatile("flw ft0, 0(%1)\n fsw ft0, 0(%0)" : : "r"(&w), "r"(&snan) : "ft0", "memory");
  printf("flw boxes and keeps a signalling NaN: %lx %x\n", x, w);
}

/* The C library's view: fesetround changes frm, fetestexcept reads fflags. */
static void through_libc(void) {
  static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
  static const char *const names[] = {"FE_TONEAREST", "FE_TOWARDZERO", "FE_DOWNWARD", "FE_UPWARD"};
  volatile double one = 1.0, three = 3.0, two = 2.0, big = 1e308, tiny = 1e-310, m = -1.0;
  volatile float fone = 1.0f, fthree = 3.0f, fhalf = 2.5f;
  for (int i = 0; i < 4; i++) {
    fesetround(modes[i]);
    feclearexcept(FE_ALL_EXCEPT);
    double q = one / three, nq = m / three, r = sqrt(two), o = big * 10.0, u = tiny / 3.0;
    float fq = fone / fthree;
    int ex = fetestexcept(FE_ALL_EXCEPT);
    printf("%s (fegetround %s): 1/3=%a -1/3=%a sqrt2=%a 1e309=%a tiny/3=%a 1/3f=%a rint(2.5)=%a lrint(-2.5)=%ld"
           " nearbyint(2.5f)=%a flags:%s%s%s%s%s\n",
           names[i], fegetround() == modes[i] ? "ok" : "wrong", q, nq, r, o, u, (double)fq, rint(2.5), lrint(-2.5),
           (double)nearbyintf(fhalf), ex & FE_INEXACT ? " NX" : "", ex & FE_UNDERFLOW ? " UF" : "",
           ex & FE_OVERFLOW ? " OF" : "", ex & FE_DIVBYZERO ? " DZ" : "", ex & FE_INVALID ? " NV" : "");
  }
  fesetround(FE_TONEAREST);
  feclearexcept(FE_ALL_EXCEPT);
  volatile double zero = 0.0;
  double inf = one / zero;
  printf("1/0 = %g, DZ %s\n", inf, fetestexcept(FE_DIVBYZERO) ? "raised" : "missing");
  feclearexcept(FE_ALL_EXCEPT);
  double nan = zero / zero;
  printf("0/0 is NaN: %s, NV %s\n", isnan(nan) ? "yes" : "no", fetestexcept(FE_INVALID) ? "raised" : "missing");
  /* formatting doubles exercises glibc's multi-precision code: integer M heavy */
  printf("%.17g %.17g %.10e %g %g\n", 0.1, 2.0 / 3.0, 6.02214076e23, 1e-320, 123456789.125);
}

/* fcsr is frm << 5 | fflags; csr instructions see the pieces and the whole. */
static void fcsr_bits(void) {
  long a, b, c;
  __asm__ volatile("fscsr %3\n frcsr %0\n frrm %1\n frflags %2" : "=&r"(a), "=&r"(b), "=&r"(c) : "r"(0xffL));
  printf("fscsr 0xff: fcsr %lx frm %lx fflags %lx\n", a, b, c);
  __asm__ volatile("fsrmi 3\n fsflagsi 5\n frcsr %0" : "=r"(a));
  printf("fsrmi 3, fsflagsi 5: fcsr %lx\n", a);
  __asm__ volatile("fscsr zero\n frcsr %0" : "=r"(a));
  printf("cleared: %lx\n", a);
}

int main(void) {
  arithmetic();
  no_rounding();
  conversions();
  moves_and_boxing();
  through_libc();
  fcsr_bits();
  printf("dyn mismatches: %d\n", dyn_mismatches);
  return 0;
}
