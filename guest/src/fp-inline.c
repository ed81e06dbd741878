/* F/D arithmetic in hot loops, for the WebAssembly engine's inline F/D code (src/hart/wasm/fp-inline.ts):
 * each op over special operands (signed zeros, subnormals, the largest and smallest normals,
 * infinities, quiet and signalling NaNs, integer boundaries, singles not NaN-boxed) and pseudo-random ones (inexact and
 * exact results, huge and tiny products and quotients, cancellations and near-halfway fused
 * multiply-adds), under each dynamic rounding mode (frm) and several static ones. Prints, per op and
 * rounding mode, how many results and a hash of every result's bits and the fflags it raised;
 * `fp-inline v` prints every result instead. Usage: fp-inline [v] */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t u64;

static int verbose;

static double dbl(u64 b) {
  double d;
  memcpy(&d, &b, 8);
  return d;
}
static u64 bits(double d) {
  u64 b;
  memcpy(&b, &d, 8);
  return b;
}

static const u64 SPECIAL[] = {
    0x0000000000000000, 0x8000000000000000, /* +0, -0 */
    0x3ff0000000000000, 0xbff0000000000000, /* 1, -1 */
    0x3ff8000000000000, 0x4004000000000000, 0xbfe0000000000000, /* 1.5, 2.5, -0.5 */
    0x3fb999999999999a, 0x3fd5555555555555, 0x4008000000000000, /* 0.1, 1/3, 3 */
    0x7ff0000000000000, 0xfff0000000000000, /* +inf, -inf */
    0x7ff8000000000000, 0xfff8000000000123, /* quiet NaNs */
    0x7ff0000000000001, 0x7ff4000000000000, /* signalling NaNs */
    0x7fefffffffffffff, 0xffefffffffffffff, /* +-largest */
    0x0010000000000000, 0x8010000000000000, /* +-smallest normal */
    0x0000000000000001, 0x800fffffffffffff, /* subnormals */
    0x1ff0000000000000, 0x5fe0000000000000, /* 2^-512, 2^511 */
    0x4340000000000001, 0x43e0000000000000, 0xc3e0000000000000, /* 2^53 + 2, 2^63, -2^63 */
    0x41dfffffffc00000, 0xc1e0000000000000, 0x41efffffffe00000, /* 2^31 - 1, -2^31, 2^32 - 1 */
    0x41f0000000000000, 0x43efffffffffffff, 0x43f0000000000000, /* 2^32, below 2^64, 2^64 */
    0xc1e0000000200000, 0xbfefffffffffffff,                     /* -2^31 - 1, just above -1 */
};
#define NSPECIAL (sizeof SPECIAL / sizeof SPECIAL[0])

/* singles, NaN-boxed in the f registers; the last two are not boxed (they read as the canonical NaN) */
static const u64 SPECIAL_S[] = {
    0xffffffff00000000, 0xffffffff80000000, /* +0, -0 */
    0xffffffff3f800000, 0xffffffffbf800000, /* 1, -1 */
    0xffffffff3fc00000, 0xffffffff40200000, 0xffffffffbf000000, /* 1.5, 2.5, -0.5 */
    0xffffffff3dcccccd, 0xffffffff3eaaaaab, 0xffffffff40400000, /* 0.1, 1/3, 3 */
    0xffffffff7f800000, 0xffffffffff800000, /* +inf, -inf */
    0xffffffff7fc00000, 0xffffffffffc00123, /* quiet NaNs */
    0xffffffff7f800001, 0xffffffff7fa00000, /* signalling NaNs */
    0xffffffff7f7fffff, 0xffffffffff7fffff, /* +-largest */
    0xffffffff00800000, 0xffffffff80800000, /* +-smallest normal */
    0xffffffff00000001, 0xffffffff807fffff, /* subnormals */
    0xffffffff1f800000, 0xffffffff5f000000, /* 2^-64, 2^63 */
    0xffffffff4b800001, 0xffffffff4f000000, /* 2^24 + 2, 2^31 */
    0x3ff0000000000000, 0x000000003f800000, /* not NaN-boxed */
};
#define NSPECIAL_S (sizeof SPECIAL_S / sizeof SPECIAL_S[0])
/* the first FMA_SPECIAL of them make every fused multiply-add triple */
#define FMA_SPECIAL 14
#define RANDOM_PAIRS 3000
#define RANDOM_TRIPLES 3000

static u64 seed = 0x9e3779b97f4a7c15u;
static u64 next(void) {
  seed ^= seed << 13;
  seed ^= seed >> 7;
  seed ^= seed << 17;
  return seed;
}

/* A pseudo-random double of one of several kinds. */
static u64 randomDouble(void) {
  u64 r = next();
  u64 sign = r & 0x8000000000000000u;
  u64 frac = next() & 0x000fffffffffffffu;
  switch (r % 8) {
  case 0: /* ordinary */
  case 1:
    return sign | ((u64)(1023 - 20 + (r >> 8) % 40) << 52) | frac;
  case 2: /* near the top of the range */
    return sign | ((u64)(2046 - (r >> 8) % 90) << 52) | frac;
  case 3: /* near the bottom, subnormals included */
    return sign | ((u64)((r >> 8) % 90) << 52) | frac;
  case 4: /* a small integer: exact sums and products */
    return bits((double)((int64_t)((r >> 8) % 2001) - 1000));
  case 5: /* a 26-bit significand: exact products, ties in sums */
    return sign | ((u64)(1023 - 8 + (r >> 8) % 16) << 52) | (frac & 0x000fffffc0000000u);
  case 6: /* anywhere, NaNs and infinities included */
    return r;
  default: /* a large integer */
    return bits((double)(int64_t)(r >> (r % 40)));
  }
}

/* A pseudo-random NaN-boxed single of one of several kinds (now and then not boxed). */
static u64 randomSingle(void) {
  u64 r = next();
  uint32_t sign = (uint32_t)(r >> 63) << 31;
  uint32_t frac = (uint32_t)next() & 0x7fffff;
  uint32_t w;
  switch (r % 8) {
  case 0: /* ordinary */
  case 1:
  case 2:
    w = sign | (uint32_t)(127 - 10 + (r >> 8) % 20) << 23 | frac;
    break;
  case 3: /* near the top of the range */
    w = sign | (uint32_t)(254 - (r >> 8) % 30) << 23 | frac;
    break;
  case 4: /* near the bottom, subnormals included */
    w = sign | (uint32_t)((r >> 8) % 30) << 23 | frac;
    break;
  case 5: /* a small integer */
    {
      float x = (float)((int)((r >> 8) % 2001) - 1000);
      memcpy(&w, &x, 4);
    }
    break;
  case 6: /* anywhere */
    w = (uint32_t)r;
    break;
  default: /* not NaN-boxed, now and then */
    return (r >> 8) % 4 == 0 ? r >> 1 : 0xffffffff00000000u | (uint32_t)(sign | 127u << 23 | frac);
  }
  return 0xffffffff00000000u | w;
}

static u64 hash;
static unsigned count;

static void note(const char *op, const char *rm, u64 a, u64 b, u64 c, u64 res, unsigned fl) {
  count++;
  hash = (hash ^ res) * 0x100000001b3u;
  hash = (hash ^ fl) * 0x100000001b3u;
  if (verbose) printf("%s %s %016llx %016llx %016llx -> %016llx %02x\n", op, rm, (unsigned long long)a,
                      (unsigned long long)b, (unsigned long long)c, (unsigned long long)res, fl);
}

static void start(void) {
  hash = 0xcbf29ce484222325u;
  count = 0;
}

static void report(const char *op, const char *rm) {
  if (!verbose) printf("%-10s %-4s %6u results, hash %016llx\n", op, rm, count, (unsigned long long)hash);
}

static void setFrm(unsigned rm) { __asm__ volatile("fsrm %0" ::"r"(rm)); }

/* Each op clears fflags, runs, and reads the flags raised. */
#define FLAGS_AROUND(insn) "fsflags zero\n\t" insn "\n\tfrflags %1"

#define OP2(name, text)                                                                   \
  static u64 name(u64 a, u64 b, u64 c, unsigned *fl) {                                    \
    double r;                                                                             \
    (void)c;                                                                              \
    __asm__ volatile(FLAGS_AROUND(text " %0, %2, %3") : "=&f"(r), "=&r"(*fl) : "f"(dbl(a)), "f"(dbl(b))); \
    return bits(r);                                                                       \
  }
#define OP1(name, text)                                                                   \
  static u64 name(u64 a, u64 b, u64 c, unsigned *fl) {                                    \
    double r;                                                                             \
    (void)b;                                                                              \
    (void)c;                                                                              \
    __asm__ volatile(FLAGS_AROUND(text " %0, %2") : "=&f"(r), "=&r"(*fl) : "f"(dbl(a)));  \
    return bits(r);                                                                       \
  }
#define OP3(name, text)                                                                   \
  static u64 name(u64 a, u64 b, u64 c, unsigned *fl) {                                    \
    double r;                                                                             \
    __asm__ volatile(FLAGS_AROUND(text " %0, %2, %3, %4")                                 \
                     : "=&f"(r), "=&r"(*fl)                                               \
                     : "f"(dbl(a)), "f"(dbl(b)), "f"(dbl(c)));                            \
    return bits(r);                                                                       \
  }
/* x result */
#define CMP(name, text)                                                                   \
  static u64 name(u64 a, u64 b, u64 c, unsigned *fl) {                                    \
    u64 r;                                                                                \
    (void)c;                                                                              \
    __asm__ volatile(FLAGS_AROUND(text " %0, %2, %3") : "=&r"(r), "=&r"(*fl) : "f"(dbl(a)), "f"(dbl(b))); \
    return r;                                                                             \
  }
/* float -> integer, x result */
#define TOINT(name, text)                                                                 \
  static u64 name(u64 a, u64 b, u64 c, unsigned *fl) {                                    \
    u64 r;                                                                                \
    (void)b;                                                                              \
    (void)c;                                                                              \
    __asm__ volatile(FLAGS_AROUND(text) : "=&r"(r), "=&r"(*fl) : "f"(dbl(a)));            \
    return r;                                                                             \
  }
/* integer -> float */
#define FROMINT(name, text)                                                               \
  static u64 name(u64 a, u64 b, u64 c, unsigned *fl) {                                    \
    double r;                                                                             \
    (void)b;                                                                              \
    (void)c;                                                                              \
    __asm__ volatile(FLAGS_AROUND(text) : "=&f"(r), "=&r"(*fl) : "r"(a));                 \
    return bits(r);                                                                       \
  }

OP2(op_fadd, "fadd.d")
OP2(op_fsub, "fsub.d")
OP2(op_fmul, "fmul.d")
OP2(op_fdiv, "fdiv.d")
OP1(op_fsqrt, "fsqrt.d")
OP2(op_fmin, "fmin.d")
OP2(op_fmax, "fmax.d")
OP2(op_fsgnj, "fsgnj.d")
OP2(op_fsgnjn, "fsgnjn.d")
OP2(op_fsgnjx, "fsgnjx.d")
CMP(op_feq, "feq.d")
CMP(op_flt, "flt.d")
CMP(op_fle, "fle.d")
OP2(op_fadd_s, "fadd.s")
OP2(op_fsub_s, "fsub.s")
OP2(op_fmul_s, "fmul.s")
OP2(op_fdiv_s, "fdiv.s")
OP1(op_fsqrt_s, "fsqrt.s")
OP1(op_fcvt_s_d, "fcvt.s.d")
OP1(op_fcvt_d_s, "fcvt.d.s")
OP2(fadd_s_rne, "fadd.s %0, %2, %3, rne\n\t#")
OP2(fadd_s_rup, "fadd.s %0, %2, %3, rup\n\t#")
OP2(fdiv_s_rne, "fdiv.s %0, %2, %3, rne\n\t#")
OP2(fdiv_s_rtz, "fdiv.s %0, %2, %3, rtz\n\t#")
OP1(fcvt_s_d_rne, "fcvt.s.d %0, %2, rne\n\t#")
OP1(fcvt_s_d_rdn, "fcvt.s.d %0, %2, rdn\n\t#")
TOINT(fmv_x_w, "fmv.x.w %0, %2")
FROMINT(fmv_w_x, "fmv.w.x %0, %2")
OP3(op_fmadd, "fmadd.d")
OP3(op_fmsub, "fmsub.d")
OP3(op_fnmadd, "fnmadd.d")
OP3(op_fnmsub, "fnmsub.d")

#define STATIC2(op, rm)                                                                   \
  static u64 op##_##rm(u64 a, u64 b, u64 c, unsigned *fl) {                               \
    double r;                                                                             \
    (void)c;                                                                              \
    __asm__ volatile(FLAGS_AROUND(#op ".d %0, %2, %3, " #rm) : "=&f"(r), "=&r"(*fl) : "f"(dbl(a)), "f"(dbl(b))); \
    return bits(r);                                                                       \
  }
#define STATIC3(op, rm)                                                                   \
  static u64 op##_##rm(u64 a, u64 b, u64 c, unsigned *fl) {                               \
    double r;                                                                             \
    __asm__ volatile(FLAGS_AROUND(#op ".d %0, %2, %3, %4, " #rm)                          \
                     : "=&f"(r), "=&r"(*fl)                                               \
                     : "f"(dbl(a)), "f"(dbl(b)), "f"(dbl(c)));                            \
    return bits(r);                                                                       \
  }
static u64 fsqrt_rne(u64 a, u64 b, u64 c, unsigned *fl) {
  double r;
  (void)b;
  (void)c;
  __asm__ volatile(FLAGS_AROUND("fsqrt.d %0, %2, rne") : "=&f"(r), "=&r"(*fl) : "f"(dbl(a)));
  return bits(r);
}
static u64 fsqrt_rup(u64 a, u64 b, u64 c, unsigned *fl) {
  double r;
  (void)b;
  (void)c;
  __asm__ volatile(FLAGS_AROUND("fsqrt.d %0, %2, rup") : "=&f"(r), "=&r"(*fl) : "f"(dbl(a)));
  return bits(r);
}
STATIC2(fadd, rne)
STATIC2(fadd, rtz)
STATIC2(fsub, rne)
STATIC2(fsub, rdn)
STATIC2(fmul, rne)
STATIC2(fmul, rup)
STATIC2(fdiv, rne)
STATIC2(fdiv, rmm)
STATIC3(fmadd, rne)
STATIC3(fmadd, rtz)
STATIC3(fnmsub, rne)
STATIC3(fnmsub, rmm)

#define TOINT_ALL(kind)                                                                   \
  TOINT(fcvt_##kind##_d, "fcvt." #kind ".d %0, %2")                                       \
  TOINT(fcvt_##kind##_d_rne, "fcvt." #kind ".d %0, %2, rne")                              \
  TOINT(fcvt_##kind##_d_rtz, "fcvt." #kind ".d %0, %2, rtz")                              \
  TOINT(fcvt_##kind##_d_rdn, "fcvt." #kind ".d %0, %2, rdn")                              \
  TOINT(fcvt_##kind##_d_rup, "fcvt." #kind ".d %0, %2, rup")                              \
  TOINT(fcvt_##kind##_d_rmm, "fcvt." #kind ".d %0, %2, rmm")
TOINT_ALL(w)
TOINT_ALL(wu)
TOINT_ALL(l)
TOINT_ALL(lu)

#define FROMINT_ALL(kind)                                                                 \
  FROMINT(fcvt_d_##kind, "fcvt.d." #kind " %0, %2")                                       \
  FROMINT(fcvt_d_##kind##_rne, "fcvt.d." #kind " %0, %2, rne")                            \
  FROMINT(fcvt_d_##kind##_rup, "fcvt.d." #kind " %0, %2, rup")
FROMINT_ALL(l)
FROMINT_ALL(lu)
/* the assembler takes no rounding mode for the exact fcvt.d.w(u): OP-FP, funct7 0x69, rs2 0 (w) or 1 (wu) */
FROMINT(fcvt_d_w, "fcvt.d.w %0, %2")
FROMINT(fcvt_d_w_rne, ".insn r 0x53, 0, 0x69, %0, %2, x0")
FROMINT(fcvt_d_w_rup, ".insn r 0x53, 3, 0x69, %0, %2, x0")
FROMINT(fcvt_d_wu, "fcvt.d.wu %0, %2")
FROMINT(fcvt_d_wu_rne, ".insn r 0x53, 0, 0x69, %0, %2, x1")
FROMINT(fcvt_d_wu_rup, ".insn r 0x53, 3, 0x69, %0, %2, x1")

static u64 fmv_x_d(u64 a, u64 b, u64 c, unsigned *fl) {
  u64 r;
  (void)b;
  (void)c;
  __asm__ volatile(FLAGS_AROUND("fmv.d.x ft0, %2\n\tfmv.x.d %0, ft0") : "=&r"(r), "=&r"(*fl) : "r"(a) : "ft0");
  return r;
}

typedef u64 (*Op)(u64, u64, u64, unsigned *);

static const char *const RM_NAMES[] = {"rne", "rtz", "rdn", "rup", "rmm"};

/* op over every pair of specials and RANDOM_PAIRS random pairs, under frm = rm */
static void pairs(const char *name, const char *rmName, Op op) {
  unsigned fl;
  start();
  seed = 0x9e3779b97f4a7c15u;
  for (unsigned i = 0; i < NSPECIAL; i++)
    for (unsigned j = 0; j < NSPECIAL; j++) {
      u64 r = op(SPECIAL[i], SPECIAL[j], 0, &fl);
      note(name, rmName, SPECIAL[i], SPECIAL[j], 0, r, fl);
    }
  for (unsigned i = 0; i < RANDOM_PAIRS; i++) {
    u64 a = randomDouble(), b = randomDouble();
    /* every fourth pair: b close to a (cancellation, quotients near 1) */
    if (i % 4 == 3) b = a ^ (next() & 0x8000000000000fffu);
    u64 r = op(a, b, 0, &fl);
    note(name, rmName, a, b, 0, r, fl);
  }
  report(name, rmName);
}

/* op over triples of the first FMA_SPECIAL specials and RANDOM_TRIPLES random triples */
static void triples(const char *name, const char *rmName, Op op) {
  unsigned fl;
  start();
  seed = 0x2545f4914f6cdd1du;
  for (unsigned i = 0; i < FMA_SPECIAL; i++)
    for (unsigned j = 0; j < FMA_SPECIAL; j++)
      for (unsigned k = 0; k < FMA_SPECIAL; k++) {
        u64 r = op(SPECIAL[i], SPECIAL[j], SPECIAL[k], &fl);
        note(name, rmName, SPECIAL[i], SPECIAL[j], SPECIAL[k], r, fl);
      }
  for (unsigned i = 0; i < RANDOM_TRIPLES; i++) {
    u64 a = randomDouble(), b = randomDouble(), c = randomDouble();
    unsigned fl2;
    switch (i % 4) {
    case 1: /* c = -RNE(a*b): the product's error, or nothing */
      c = fmul_rne(a, b, 0, &fl2) ^ 0x8000000000000000u;
      break;
    case 2: /* c next to -RNE(a*b): near-total cancellation */
      c = (fmul_rne(a, b, 0, &fl2) + (next() % 5) - 2) ^ 0x8000000000000000u;
      break;
    case 3: /* a tiny c next to an exact product: ties broken by c */
      c = (next() & 0x8000000000000000u) | ((u64)(1023 - 70 + next() % 30) << 52);
      break;
    }
    u64 r = op(a, b, c, &fl);
    note(name, rmName, a, b, c, r, fl);
  }
  report(name, rmName);
}

/* op over every pair of specials singles and RANDOM_PAIRS random pairs */
static void pairsS(const char *name, const char *rmName, Op op) {
  unsigned fl;
  start();
  seed = 0x9e3779b97f4a7c15u;
  for (unsigned i = 0; i < NSPECIAL_S; i++)
    for (unsigned j = 0; j < NSPECIAL_S; j++) {
      u64 r = op(SPECIAL_S[i], SPECIAL_S[j], 0, &fl);
      note(name, rmName, SPECIAL_S[i], SPECIAL_S[j], 0, r, fl);
    }
  for (unsigned i = 0; i < RANDOM_PAIRS; i++) {
    u64 a = randomSingle(), b = randomSingle();
    /* every fourth pair: b close to a (cancellation, quotients near 1) */
    if (i % 4 == 3) b = a ^ (next() & 0x800000ffu);
    u64 r = op(a, b, 0, &fl);
    note(name, rmName, a, b, 0, r, fl);
  }
  report(name, rmName);
}

/* op over the special singles and random ones */
static void singlesS(const char *name, const char *rmName, Op op) {
  unsigned fl;
  start();
  seed = 0x853c49e6748fea9bu;
  for (unsigned i = 0; i < NSPECIAL_S; i++) {
    u64 r = op(SPECIAL_S[i], 0, 0, &fl);
    note(name, rmName, SPECIAL_S[i], 0, 0, r, fl);
  }
  for (unsigned i = 0; i < RANDOM_PAIRS; i++) {
    u64 a = randomSingle();
    u64 r = op(a, 0, 0, &fl);
    note(name, rmName, a, 0, 0, r, fl);
  }
  report(name, rmName);
}

/* op over the specials and random integers (as the x operand's bits) */
static void singles(const char *name, const char *rmName, Op op, int integers) {
  unsigned fl;
  start();
  seed = 0x853c49e6748fea9bu;
  for (unsigned i = 0; i < NSPECIAL; i++) {
    u64 r = op(SPECIAL[i], 0, 0, &fl);
    note(name, rmName, SPECIAL[i], 0, 0, r, fl);
  }
  for (unsigned i = 0; i < RANDOM_PAIRS; i++) {
    u64 a;
    if (integers) {
      u64 r = next();
      a = r >> (r % 64);
      if (i % 2) a = -a;
      if (i % 7 == 0) a = (u64)(int64_t)(int32_t)a;
    } else {
      a = randomDouble();
      /* every other one: near an integer, halfway points included */
      if (i % 2) a = bits((double)(int64_t)(next() % 0x200000000u - 0x100000000) + 0.5 * (double)(next() % 3));
    }
    u64 r = op(a, 0, 0, &fl);
    note(name, rmName, a, 0, 0, r, fl);
  }
  report(name, rmName);
}

struct Dyn {
  const char *name;
  Op op;
  int kind; /* 0 pairs, 1 triples, 2 float operand, 3 integer operand, 4 single pairs, 5 single operand */
};

static const struct Dyn DYNAMIC[] = {
    {"fadd.d", op_fadd, 0},       {"fsub.d", op_fsub, 0},       {"fmul.d", op_fmul, 0},       {"fdiv.d", op_fdiv, 0},
    {"fsqrt.d", op_fsqrt, 2},     {"fmadd.d", op_fmadd, 1},     {"fmsub.d", op_fmsub, 1},     {"fnmadd.d", op_fnmadd, 1},
    {"fnmsub.d", op_fnmsub, 1},   {"fcvt.w.d", fcvt_w_d, 2}, {"fcvt.wu.d", fcvt_wu_d, 2}, {"fcvt.l.d", fcvt_l_d, 2},
    {"fcvt.lu.d", fcvt_lu_d, 2}, {"fcvt.d.w", fcvt_d_w, 3}, {"fcvt.d.wu", fcvt_d_wu, 3}, {"fcvt.d.l", fcvt_d_l, 3},
    {"fcvt.d.lu", fcvt_d_lu, 3},
    {"fadd.s", op_fadd_s, 4},     {"fsub.s", op_fsub_s, 4},     {"fmul.s", op_fmul_s, 4},     {"fdiv.s", op_fdiv_s, 4},
    {"fsqrt.s", op_fsqrt_s, 5},   {"fcvt.s.d", op_fcvt_s_d, 2}, {"fcvt.d.s", op_fcvt_d_s, 5},
};

static const struct Dyn STATIC[] = {
    {"fadd.d rne", fadd_rne, 0},   {"fadd.d rtz", fadd_rtz, 0},   {"fsub.d rne", fsub_rne, 0},
    {"fsub.d rdn", fsub_rdn, 0},   {"fmul.d rne", fmul_rne, 0},   {"fmul.d rup", fmul_rup, 0},
    {"fdiv.d rne", fdiv_rne, 0},   {"fdiv.d rmm", fdiv_rmm, 0},   {"fsqrt.d rne", fsqrt_rne, 2},
    {"fsqrt.d rup", fsqrt_rup, 2}, {"fmadd.d rne", fmadd_rne, 1}, {"fmadd.d rtz", fmadd_rtz, 1},
    {"fnmsub.d rne", fnmsub_rne, 1}, {"fnmsub.d rmm", fnmsub_rmm, 1},
    {"fcvt.w.d rne", fcvt_w_d_rne, 2}, {"fcvt.w.d rtz", fcvt_w_d_rtz, 2}, {"fcvt.w.d rdn", fcvt_w_d_rdn, 2},
    {"fcvt.w.d rup", fcvt_w_d_rup, 2}, {"fcvt.w.d rmm", fcvt_w_d_rmm, 2},
    {"fcvt.wu.d rne", fcvt_wu_d_rne, 2}, {"fcvt.wu.d rtz", fcvt_wu_d_rtz, 2}, {"fcvt.wu.d rdn", fcvt_wu_d_rdn, 2},
    {"fcvt.wu.d rup", fcvt_wu_d_rup, 2}, {"fcvt.wu.d rmm", fcvt_wu_d_rmm, 2},
    {"fcvt.l.d rne", fcvt_l_d_rne, 2}, {"fcvt.l.d rtz", fcvt_l_d_rtz, 2}, {"fcvt.l.d rdn", fcvt_l_d_rdn, 2},
    {"fcvt.l.d rup", fcvt_l_d_rup, 2}, {"fcvt.l.d rmm", fcvt_l_d_rmm, 2},
    {"fcvt.lu.d rne", fcvt_lu_d_rne, 2}, {"fcvt.lu.d rtz", fcvt_lu_d_rtz, 2}, {"fcvt.lu.d rdn", fcvt_lu_d_rdn, 2},
    {"fcvt.lu.d rup", fcvt_lu_d_rup, 2}, {"fcvt.lu.d rmm", fcvt_lu_d_rmm, 2},
    {"fcvt.d.w rne", fcvt_d_w_rne, 3}, {"fcvt.d.w rup", fcvt_d_w_rup, 3}, {"fcvt.d.wu rne", fcvt_d_wu_rne, 3},
    {"fcvt.d.wu rup", fcvt_d_wu_rup, 3}, {"fcvt.d.l rne", fcvt_d_l_rne, 3}, {"fcvt.d.l rup", fcvt_d_l_rup, 3},
    {"fcvt.d.lu rne", fcvt_d_lu_rne, 3}, {"fcvt.d.lu rup", fcvt_d_lu_rup, 3},
    /* no rounding mode */
    {"fmin.d", op_fmin, 0},   {"fmax.d", op_fmax, 0}, {"fsgnj.d", op_fsgnj, 0}, {"fsgnjn.d", op_fsgnjn, 0},
    {"fsgnjx.d", op_fsgnjx, 0}, {"feq.d", op_feq, 0}, {"flt.d", op_flt, 0},     {"fle.d", op_fle, 0},
    {"fmv.x.d", fmv_x_d, 3},
    {"fadd.s rne", fadd_s_rne, 4}, {"fadd.s rup", fadd_s_rup, 4}, {"fdiv.s rne", fdiv_s_rne, 4},
    {"fdiv.s rtz", fdiv_s_rtz, 4}, {"fcvt.s.d rne", fcvt_s_d_rne, 2}, {"fcvt.s.d rdn", fcvt_s_d_rdn, 2},
    {"fmv.x.w", fmv_x_w, 5},       {"fmv.w.x", fmv_w_x, 3},
};

static void runOne(const struct Dyn *d, const char *rmName) {
  switch (d->kind) {
  case 0:
    pairs(d->name, rmName, d->op);
    break;
  case 1:
    triples(d->name, rmName, d->op);
    break;
  case 4:
    pairsS(d->name, rmName, d->op);
    break;
  case 5:
    singlesS(d->name, rmName, d->op);
    break;
  default:
    singles(d->name, rmName, d->op, d->kind == 3);
  }
}

int main(int argc, char **argv) {
  verbose = argc > 1 && argv[1][0] == 'v';
  for (unsigned rm = 0; rm < 5; rm++) {
    setFrm(rm);
    for (unsigned i = 0; i < sizeof DYNAMIC / sizeof DYNAMIC[0]; i++) runOne(&DYNAMIC[i], RM_NAMES[rm]);
  }
  /* static rounding modes, under frm = RUP (it must not matter) */
  setFrm(3);
  for (unsigned i = 0; i < sizeof STATIC / sizeof STATIC[0]; i++) runOne(&STATIC[i], "st");
  setFrm(0);
  return 0;
}
