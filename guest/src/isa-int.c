/* RV64I and M: every register-register and immediate ALU instruction over a table of edge
 * values (0, ±1, 32- and 64-bit extremes, mixed patterns), loads/stores of every width at every
 * byte offset (misaligned ones included: Linux user space sees them as working), branches,
 * lui/auipc sign extension, jalr clearing bit 0. M: division by zero, INT_MIN / -1 and the W
 * forms, mulh/mulhsu/mulhu. Results are printed as hex, one row per (op, a). */
#include "rt.h"

static const long vals[] = {
    0,
    1,
    -1,
    2,
    -2,
    7,
    -7,
    0x7fffffffL,
    0x80000000L,
    -0x80000000L,
    0xffffffffL,
    0x100000000L,
    INT64_MAX,
    INT64_MIN,
    0x123456789abcdef0L,
    (long)0xfedcba9876543210UL,
};
#define NV (int)(sizeof vals / sizeof vals[0])

#define RR(name)                                                           \
  static long op_##name(long a, long b) {                                  \
    long r;                                                                \
    __asm__ volatile(#name " %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));      \
    return r;                                                              \
  }
RR(add)
RR(sub)
RR(sll)
RR(slt)
RR(sltu)
RR(xor)
RR(srl)
RR(sra)
RR(or)
RR(and)
RR(addw)
RR(subw)
RR(sllw)
RR(srlw)
RR(sraw)
RR(mul)
RR(mulh)
RR(mulhsu)
RR(mulhu)
RR(mulw)
RR(div)
RR(divu)
RR(rem)
RR(remu)
RR(divw)
RR(divuw)
RR(remw)
RR(remuw)

typedef long (*rr_fn)(long, long);
static const struct {
  const char *name;
  rr_fn fn;
} rr_ops[] = {
    {"add", op_add},     {"sub", op_sub},       {"sll", op_sll},     {"slt", op_slt},
    {"sltu", op_sltu},   {"xor", op_xor},       {"srl", op_srl},     {"sra", op_sra},
    {"or", op_or},       {"and", op_and},       {"addw", op_addw},   {"subw", op_subw},
    {"sllw", op_sllw},   {"srlw", op_srlw},     {"sraw", op_sraw},   {"mul", op_mul},
    {"mulh", op_mulh},   {"mulhsu", op_mulhsu}, {"mulhu", op_mulhu}, {"mulw", op_mulw},
    {"div", op_div},     {"divu", op_divu},     {"rem", op_rem},     {"remu", op_remu},
    {"divw", op_divw},   {"divuw", op_divuw},   {"remw", op_remw},   {"remuw", op_remuw},
};

/* Register shifts use only the low 6 (or 5 for W) bits of rs2; test amounts beyond that too. */
static const long shamts[] = {0, 1, 5, 31, 32, 33, 63, 64, 65, 127, -1, -32};

#define IMM(name, imm)                                                     \
  {                                                                        \
    long r;                                                                \
    __asm__ volatile(#name " %0, %1, " #imm : "=r"(r) : "r"(a));           \
    printf(" %lx", r);                                                     \
  }
#define IMM_ROW(name, ...)                                                 \
  static void row_##name(long a) {                                         \
    printf(#name " %lx:", a);                                              \
    __VA_ARGS__                                                            \
    printf("\n");                                                          \
  }
IMM_ROW(addi, IMM(addi, 0) IMM(addi, 1) IMM(addi, -1) IMM(addi, 2047) IMM(addi, -2048))
IMM_ROW(addiw, IMM(addiw, 0) IMM(addiw, 1) IMM(addiw, -1) IMM(addiw, 2047) IMM(addiw, -2048))
IMM_ROW(slti, IMM(slti, 0) IMM(slti, 1) IMM(slti, -1) IMM(slti, 2047) IMM(slti, -2048))
IMM_ROW(sltiu, IMM(sltiu, 0) IMM(sltiu, 1) IMM(sltiu, -1) IMM(sltiu, 2047) IMM(sltiu, -2048))
IMM_ROW(xori, IMM(xori, 0) IMM(xori, 1) IMM(xori, -1) IMM(xori, 2047) IMM(xori, -2048))
IMM_ROW(ori, IMM(ori, 0) IMM(ori, 1) IMM(ori, -1) IMM(ori, 2047) IMM(ori, -2048))
IMM_ROW(andi, IMM(andi, 0) IMM(andi, 1) IMM(andi, -1) IMM(andi, 2047) IMM(andi, -2048))
IMM_ROW(slli, IMM(slli, 0) IMM(slli, 1) IMM(slli, 31) IMM(slli, 32) IMM(slli, 63))
IMM_ROW(srli, IMM(srli, 0) IMM(srli, 1) IMM(srli, 31) IMM(srli, 32) IMM(srli, 63))
IMM_ROW(srai, IMM(srai, 0) IMM(srai, 1) IMM(srai, 31) IMM(srai, 32) IMM(srai, 63))
IMM_ROW(slliw, IMM(slliw, 0) IMM(slliw, 1) IMM(slliw, 16) IMM(slliw, 31))
IMM_ROW(srliw, IMM(srliw, 0) IMM(srliw, 1) IMM(srliw, 16) IMM(srliw, 31))
IMM_ROW(sraiw, IMM(sraiw, 0) IMM(sraiw, 1) IMM(sraiw, 16) IMM(sraiw, 31))

static void (*const imm_rows[])(long) = {
    row_addi, row_addiw, row_slti, row_sltiu, row_xori, row_ori,   row_andi,
    row_slli, row_srli,  row_srai, row_slliw, row_srliw, row_sraiw,
};

static void alu(void) {
  for (unsigned i = 0; i < sizeof rr_ops / sizeof rr_ops[0]; i++) {
    for (int a = 0; a < NV; a++) {
      printf("%s %lx:", rr_ops[i].name, vals[a]);
      for (int b = 0; b < NV; b++) printf(" %lx", rr_ops[i].fn(vals[a], vals[b]));
      printf("\n");
    }
  }
  static const rr_fn shifts[] = {op_sll, op_srl, op_sra, op_sllw, op_srlw, op_sraw};
  static const char *const shift_names[] = {"sll", "srl", "sra", "sllw", "srlw", "sraw"};
  for (int i = 0; i < 6; i++) {
    for (int a = 0; a < NV; a++) {
      printf("%s-amounts %lx:", shift_names[i], vals[a]);
      for (unsigned s = 0; s < sizeof shamts / sizeof shamts[0]; s++)
        printf(" %lx", shifts[i](vals[a], shamts[s]));
      printf("\n");
    }
  }
  for (unsigned i = 0; i < sizeof imm_rows / sizeof imm_rows[0]; i++)
    for (int a = 0; a < NV; a++) imm_rows[i](vals[a]);
}

static void upper(void) {
  long r1, r2, r3, d1, d2;
  __asm__ volatile("lui %0, 0x80000\n lui %1, 0xfffff\n lui %2, 0x7ffff" : "=r"(r1), "=r"(r2), "=r"(r3));
  printf("lui: %lx %lx %lx\n", r1, r2, r3);
  /* auipc adds to its own pc: the difference between two adjacent auipc is pc-independent */
  __asm__ volatile(".option push\n .option norvc\n auipc %0, 0\n auipc %1, 0x80000\n .option pop\n sub %1, %1, %0"
                   : "=&r"(d1), "=&r"(d2));
  __asm__ volatile(".option push\n .option norvc\n auipc %0, 0\n auipc %1, 0x7ffff\n .option pop\n sub %1, %1, %0"
                   : "=&r"(r1), "=&r"(d1));
  printf("auipc deltas: %lx %lx\n", d2, d1);
  long link, target;
  /* jalr target = (rs1 + imm) & ~1: jump via an odd address */
  __asm__ volatile(
      "lla %1, 1f\n"
      "addi %1, %1, 1\n"
      "jalr %0, 0(%1)\n"
      "li %1, 0\n" /* skipped if the jump lands on 1: */
      "1: sub %0, %0, %1\n"
      : "=&r"(link), "=&r"(target));
  printf("jalr clears bit 0: %s\n", target != 0 ? "yes" : "no");
}

static void branches(void) {
  for (int a = 0; a < NV; a++) {
    printf("branch %lx:", vals[a]);
    for (int b = 0; b < NV; b++) {
      unsigned bits = 0;
#define BR(name, bit)                                                              \
  __asm__ volatile(#name " %1, %2, 1f\n j 2f\n 1: ori %0, %0, " #bit "\n 2:"       \
                   : "+r"(bits)                                                    \
                   : "r"(vals[a]), "r"(vals[b]));
      BR(beq, 1) BR(bne, 2) BR(blt, 4) BR(bge, 8) BR(bltu, 16) BR(bgeu, 32)
      printf(" %x", bits);
    }
    printf("\n");
  }
}

static unsigned char mem[32] __attribute__((aligned(16)));

static void fill(void) {
  for (int i = 0; i < 32; i++) mem[i] = (unsigned char)(0x81 + i * 0x1d);
}

static void loads_stores(void) {
  fill();
  for (int off = 0; off < 8; off++) {
    unsigned char *p = mem + 8 + off;
    long b, bu, h, hu, w, wu, d;
    __asm__ volatile("lb %0, 0(%7)\n lbu %1, 0(%7)\n lh %2, 0(%7)\n lhu %3, 0(%7)\n"
                     "lw %4, 0(%7)\n lwu %5, 0(%7)\n ld %6, 0(%7)"
                     : "=&r"(b), "=&r"(bu), "=&r"(h), "=&r"(hu), "=&r"(w), "=&r"(wu), "=&r"(d)
                     : "r"(p)
                     : "memory");
    printf("load +%d: %lx %lx %lx %lx %lx %lx %lx\n", off, b, bu, h, hu, w, wu, d);
    long n1, n2;
    __asm__ volatile("lw %0, -4(%2)\n ld %1, 8(%2)" : "=&r"(n1), "=&r"(n2) : "r"(p) : "memory");
    printf("load offsets +%d: %lx %lx\n", off, n1, n2);
  }
  for (int off = 0; off < 8; off++) {
    fill();
    unsigned char *p = mem + 8 + off;
    long v = 0x0123456789abcdefL;
    __asm__ volatile("sb %0, -8(%1)\n sh %0, 0(%1)\n sw %0, 4(%1)\n sd %0, 9(%1)" : : "r"(v), "r"(p) : "memory");
    printf("store +%d:", off);
    for (int i = 0; i < 32; i++) printf(" %02x", mem[i]);
    printf("\n");
  }
}

/* x0 is hard-wired: writes to it are discarded, reads give 0. */
static void zero_register(void) {
  long r;
  __asm__ volatile("addi x0, x0, 5\n add %0, x0, x0\n lui x0, 0x12345\n or %0, %0, x0" : "=r"(r));
  printf("x0: %lx\n", r);
}

/* A loop the compiler cannot fold: mix of I and M ops with data dependences. */
static void mix(void) {
  unsigned long h = 0x9e3779b97f4a7c15UL;
  long s = 0;
  for (long i = 1; i <= 5000; i++) {
    h ^= h << 13;
    h ^= h >> 7;
    h ^= h << 17;
    long q = (long)h / (i | 1);
    long r = (long)h % (i * 3 + 1);
    int w = (int)h / (int)((i & 0xff) + 1);
    s += q ^ r ^ w ^ (long)((__int128)(long)h * i >> 64) ^ (long)((unsigned __int128)h * (unsigned long)i >> 64);
  }
  printf("mix: %lx %lx\n", h, s);
}

int main(void) {
  alu();
  upper();
  branches();
  loads_stores();
  zero_register();
  mix();
  return 0;
}
