/* A extension, one hart: every AMO in .w and .d form (with aq/rl variants), old values and
 * sign extension of the .w results, LR/SC success, SC failure without a reservation and after
 * a consumed one, and LR/SC retry loops building fetch-and-op. */
#include "rt.h"

static const long vals[] = {0, 1, -1, 0x7fffffffL, (long)0xffffffff80000000UL, 0x80000000L,
                            INT64_MAX, INT64_MIN, 0x123456789abcdef0L, (long)0xfedcba9876543210UL};
#define NV (int)(sizeof vals / sizeof vals[0])

static long mem[4] __attribute__((aligned(16)));

/* The assembler spells the ordering bits as suffixes (amoadd.w.aq); one function per variant. */
#define DEF(op, sfx, name)                                                                      \
  static void name(long a, long b, long *old, long *after) {                                   \
    mem[1] = a;                                                                                 \
    __asm__ volatile(op sfx " %0, %2, (%1)" : "=&r"(*old) : "r"(&mem[1]), "r"(b) : "memory");   \
    *after = mem[1];                                                                            \
  }
#define DEF_ALL(op, id)                                                                         \
  DEF(#op ".w", "", id##_w) DEF(#op ".w", ".aq", id##_w_aq) DEF(#op ".w", ".rl", id##_w_rl)     \
  DEF(#op ".w", ".aqrl", id##_w_aqrl) DEF(#op ".d", "", id##_d) DEF(#op ".d", ".aq", id##_d_aq) \
  DEF(#op ".d", ".rl", id##_d_rl) DEF(#op ".d", ".aqrl", id##_d_aqrl)
DEF_ALL(amoswap, swap)
DEF_ALL(amoadd, add)
DEF_ALL(amoxor, xor)
DEF_ALL(amoand, and)
DEF_ALL(amoor, or)
DEF_ALL(amomin, min)
DEF_ALL(amomax, max)
DEF_ALL(amominu, minu)
DEF_ALL(amomaxu, maxu)

typedef void (*amo_fn)(long, long, long *, long *);
#define ROW(op, id) {op, {id##_w, id##_w_aq, id##_w_rl, id##_w_aqrl}, {id##_d, id##_d_aq, id##_d_rl, id##_d_aqrl}}
static const struct {
  const char *name;
  amo_fn w[4], d[4];
} amos[] = {
    ROW("amoswap", swap), ROW("amoadd", add), ROW("amoxor", xor),   ROW("amoand", and),  ROW("amoor", or),
    ROW("amomin", min),   ROW("amomax", max), ROW("amominu", minu), ROW("amomaxu", maxu),
};

static void amo_table(void) {
  for (unsigned i = 0; i < sizeof amos / sizeof amos[0]; i++) {
    for (int width = 0; width < 2; width++) {
      for (int a = 0; a < NV; a++) {
        printf("%s.%c %lx:", amos[i].name, width ? 'd' : 'w', vals[a]);
        for (int b = 0; b < NV; b++) {
          long old[4], after[4];
          for (int k = 0; k < 4; k++) (width ? amos[i].d : amos[i].w)[k](vals[a], vals[b], &old[k], &after[k]);
          /* the ordering bits must not change the result */
          int same = 1;
          for (int k = 1; k < 4; k++) same &= old[k] == old[0] && after[k] == after[0];
          printf(" %lx/%lx%s", old[0], after[0], same ? "" : "!ordering-differs");
        }
        printf("\n");
      }
    }
  }
  /* .w AMOs touch only 32 bits: neighbours unchanged */
  mem[0] = 0x1111111111111111L;
  mem[1] = 0x2222222222222222L;
  long old;
  __asm__ volatile("amoadd.w %0, %2, (%1)" : "=r"(old) : "r"((char *)&mem[1] + 4), "r"(-1L) : "memory");
  printf("amoadd.w upper half: old %lx mem %lx %lx\n", old, mem[0], mem[1]);
  /* rd = x0 still performs the memory update */
  mem[1] = 5;
  __asm__ volatile("amoadd.d x0, %1, (%0)" : : "r"(&mem[1]), "r"(10L) : "memory");
  printf("amoadd.d rd=x0: mem %lx\n", mem[1]);
}

static void lr_sc(void) {
  long v, fail;
  mem[2] = 0x1234;
  __asm__ volatile("lr.d %0, (%2)\n addi %0, %0, 1\n sc.d %1, %0, (%2)" : "=&r"(v), "=&r"(fail) : "r"(&mem[2]) : "memory");
  printf("lr.d/sc.d: loaded+1 %lx sc %ld mem %lx\n", v, fail, mem[2]);
  /* a second sc.d: the reservation was consumed by the first, so it fails and stores nothing */
  __asm__ volatile("sc.d %0, %1, (%2)" : "=&r"(fail) : "r"(99L), "r"(&mem[2]) : "memory");
  printf("sc.d again: sc %s mem %lx\n", fail ? "failed" : "succeeded", mem[2]);
  int *w = (int *)&mem[3];
  w[0] = (int)0x80000001;
  w[1] = 7;
  __asm__ volatile("lr.w %0, (%2)\n sc.w %1, %3, (%2)" : "=&r"(v), "=&r"(fail) : "r"(w), "r"(0x7fffffffL) : "memory");
  printf("lr.w/sc.w: loaded %lx sc %ld mem %x %x\n", v, fail, w[0], w[1]);
  __asm__ volatile("lr.w.aq %0, (%2)\n sc.w.rl %1, %3, (%2)" : "=&r"(v), "=&r"(fail) : "r"(w), "r"(-2L) : "memory");
  printf("lr.w.aq/sc.w.rl: loaded %lx sc %ld mem %x\n", v, fail, w[0]);
  __asm__ volatile("lr.d.aqrl %0, (%2)\n sc.d.aqrl %1, %3, (%2)" : "=&r"(v), "=&r"(fail) : "r"(&mem[2]), "r"(3L) : "memory");
  printf("lr.d.aqrl/sc.d.aqrl: loaded %lx sc %ld mem %lx\n", v, fail, mem[2]);
}

/* fetch-and-op through an LR/SC retry loop, as compilers emit for operations without an AMO */
static long fetch_mul(long *p, long m) {
  long old, tmp, fail;
  __asm__ volatile("1: lr.d.aq %0, (%3)\n mul %1, %0, %4\n sc.d.rl %2, %1, (%3)\n bnez %2, 1b"
                   : "=&r"(old), "=&r"(tmp), "=&r"(fail)
                   : "r"(p), "r"(m)
                   : "memory");
  return old;
}

static int cas_w(int *p, int expect, int desired) {
  int old, fail;
  __asm__ volatile("1: lr.w %0, (%2)\n bne %0, %3, 2f\n sc.w %1, %4, (%2)\n bnez %1, 1b\n 2:"
                   : "=&r"(old), "=&r"(fail)
                   : "r"(p), "r"(expect), "r"(desired)
                   : "memory");
  return old;
}

static void loops(void) {
  long x = 1;
  for (int i = 0; i < 40; i++) fetch_mul(&x, 3);
  printf("fetch_mul: %lx\n", x);
  int c = 0, swaps = 0;
  for (int i = 0; i < 1000; i++) {
    int expect = i % 3 ? c : c + 1; /* every third compare fails */
    if (cas_w(&c, expect, c * 5 + i) == expect) swaps++;
  }
  printf("cas_w: value %d swaps %d\n", c, swaps);
}

int main(void) {
  amo_table();
  lr_sc();
  loops();
  return 0;
}
