/* Zicsr from user mode: every CSR instruction form (csrrw/csrrs/csrrc and the immediate forms)
 * on fflags, frm and fcsr, their field widths, rs1 = x0 not writing, flags accrued by FP ops;
 * and the counters cycle, time, instret: only whether they are monotonic, never their values. */
#include "rt.h"

#define CSR(insn, csr, val)                                                            \
  ({                                                                                   \
    long old_;                                                                         \
    __asm__ volatile(insn " %0, " csr ", %1" : "=r"(old_) : "r"((long)(val)) : "memory"); \
    old_;                                                                              \
  })
#define CSRI(insn, csr, imm)                                                           \
  ({                                                                                   \
    long old_;                                                                         \
    __asm__ volatile(insn " %0, " csr ", " #imm : "=r"(old_) : : "memory");            \
    old_;                                                                              \
  })
#define READ(csr) CSR("csrrs", csr, 0)

static void fp_csrs(void) {
  long o;
  o = CSR("csrrw", "fcsr", 0xffffffffL);
  printf("csrrw fcsr <- ffffffff: old %lx now %lx frm %lx fflags %lx\n", o, READ("fcsr"), READ("frm"), READ("fflags"));
  o = CSR("csrrc", "fflags", 0x5);
  printf("csrrc fflags 5: old %lx now fcsr %lx\n", o, READ("fcsr"));
  o = CSR("csrrs", "frm", 0x0);
  printf("csrrs frm x0-valued: old %lx now fcsr %lx\n", o, READ("fcsr"));
  o = CSR("csrrw", "frm", 0x12);
  printf("csrrw frm <- 12: old %lx now fcsr %lx\n", o, READ("fcsr"));
  o = CSR("csrrw", "fflags", 0xffe1);
  printf("csrrw fflags <- ffe1: old %lx now fcsr %lx\n", o, READ("fcsr"));
  o = CSRI("csrrwi", "fcsr", 0);
  printf("csrrwi fcsr 0: old %lx now %lx\n", o, READ("fcsr"));
  o = CSRI("csrrsi", "fflags", 0x1f);
  printf("csrrsi fflags 1f: old %lx now %lx\n", o, READ("fcsr"));
  o = CSRI("csrrci", "fflags", 0x11);
  printf("csrrci fflags 11: old %lx now %lx\n", o, READ("fcsr"));
  o = CSRI("csrrsi", "frm", 4);
  printf("csrrsi frm 4: old %lx now %lx\n", o, READ("fcsr"));
  o = CSRI("csrrci", "frm", 6);
  printf("csrrci frm 6: old %lx now %lx\n", o, READ("fcsr"));
  o = CSRI("csrrwi", "frm", 31);
  printf("csrrwi frm 31: old %lx now %lx\n", o, READ("fcsr"));
  /* csrrs/csrrc with rs1 = x0 and csrrsi/csrrci with uimm = 0 read without writing */
  long a, b;
  __asm__ volatile("csrrs %0, fcsr, x0\n csrrci %1, fcsr, 0" : "=r"(a), "=r"(b));
  printf("read-only forms: %lx %lx\n", a, b);
  /* csrrw with rd = x0 writes without reading (fscsr / fsrm pseudo-instructions) */
  __asm__ volatile("csrw fcsr, zero\n fsrm %0" : : "r"(2L));
  printf("fsrm 2: fcsr %lx\n", READ("fcsr"));
  CSRI("csrrwi", "fcsr", 0);
  /* FP operations accrue flags: inexact then division by zero; a csr write clears them */
  double one = 1.0, three = 3.0, zero = 0.0, r;
  __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(one), "f"(three));
  long after_nx = READ("fflags");
  __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(r) : "f"(one), "f"(zero));
  long after_dz = READ("fflags");
  o = CSRI("csrrci", "fflags", 0x1f);
  printf("accrued: after 1/3 %lx, after 1/0 %lx, cleared from %lx to %lx\n", after_nx, after_dz, o, READ("fflags"));
}

static unsigned long rd_cycle(void) {
  unsigned long v;
  __asm__ volatile("rdcycle %0" : "=r"(v));
  return v;
}
static unsigned long rd_time(void) {
  unsigned long v;
  __asm__ volatile("rdtime %0" : "=r"(v));
  return v;
}
static unsigned long rd_instret(void) {
  unsigned long v;
  __asm__ volatile("rdinstret %0" : "=r"(v));
  return v;
}
static unsigned long rd_csrrs_cycle(void) {
  unsigned long v;
  __asm__ volatile("csrrs %0, cycle, x0" : "=r"(v));
  return v;
}

static void counters(void) {
  int mono_c = 1, mono_t = 1, mono_i = 1;
  unsigned long c0 = rd_cycle(), t0 = rd_time(), i0 = rd_instret();
  unsigned long pc = c0, pt = t0, pi = i0;
  volatile unsigned long sink = 0;
  for (int i = 0; i < 2000; i++) {
    for (int k = 0; k < 200; k++) sink += (unsigned long)k;
    unsigned long c = rd_cycle(), t = rd_time(), n = rd_instret();
    if (c < pc) mono_c = 0;
    if (t < pt) mono_t = 0;
    if (n < pi) mono_i = 0;
    pc = c, pt = t, pi = n;
  }
  printf("cycle monotonic: %s, advanced: %s\n", mono_c ? "yes" : "no", pc > c0 ? "yes" : "no");
  printf("time monotonic: %s, advanced: %s\n", mono_t ? "yes" : "no", pt > t0 ? "yes" : "no");
  printf("instret monotonic: %s, advanced: %s\n", mono_i ? "yes" : "no", pi > i0 ? "yes" : "no");
  unsigned long a = rd_csrrs_cycle(), b = rd_csrrs_cycle();
  printf("csrrs cycle monotonic: %s\n", b >= a ? "yes" : "no");
}

int main(void) {
  fp_csrs();
  counters();
  return 0;
}
