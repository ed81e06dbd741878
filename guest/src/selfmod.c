/* Zifencei: code that writes instructions into memory, executes them, rewrites them, executes
 * fence.i and runs the new ones. Buffers: an RWX mmap, a .data page made executable with
 * mprotect, a W^X flip-flop (RW -> RX -> RW ...), code that patches the instruction right after
 * its own fence.i, and a 32-bit instruction straddling two pages whose second half is patched.
 * Also the riscv_flush_icache syscall that Linux programs use instead of a bare fence.i. */
#include "rt.h"

#define SYS_riscv_flush_icache 259
#define PAGE 4096

/* RV64I encodings written by hand (Unprivileged ISA, "Base Instruction Formats") */
static uint32_t addi(int rd, int rs1, int imm) {
  return ((uint32_t)imm & 0xfff) << 20 | (uint32_t)rs1 << 15 | (uint32_t)rd << 7 | 0x13;
}
static uint32_t sw(int rs2, int rs1, int imm) {
  return ((uint32_t)imm >> 5 & 0x7f) << 25 | (uint32_t)rs2 << 20 | (uint32_t)rs1 << 15 | 2u << 12 |
         ((uint32_t)imm & 0x1f) << 7 | 0x23;
}
#define RET 0x00008067u    /* jalr x0, 0(ra) */
#define FENCE_I 0x0000100fu
#define A0 10
#define A1 11
#define T0 5
/* c.li rd, imm6 (quadrant 1, funct3 010) and c.jr ra */
static uint16_t c_li(int rd, int imm) {
  return (uint16_t)(2u << 13 | ((uint32_t)imm >> 5 & 1) << 12 | (uint32_t)rd << 7 | ((uint32_t)imm & 0x1f) << 2 | 1);
}
#define C_JR_RA 0x8082u

typedef long (*fn1)(long);

static void fence_i(void) { __asm__ volatile("fence.i" ::: "memory"); }

/* calls code(a0, a1 = code) with t0 = insn: the code stores insn ahead of itself */
static long run_patch(uint32_t *code, uint32_t insn, long a0) {
  register long t0 __asm__("t0") = (long)insn;
  register long x10 __asm__("a0") = a0;
  register long x11 __asm__("a1") = (long)code;
  __asm__ volatile("jalr ra, 0(a1)" : "+r"(x10), "+r"(t0), "+r"(x11) : : "ra", "memory");
  return x10;
}

static void rwx_mmap(void) {
  uint32_t *code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) {
    printf("mmap RWX failed\n");
    return;
  }
  fn1 f = (fn1)(void *)code;
  long sum = 0;
  for (int k = -3; k < 100; k++) {
    code[0] = addi(A0, A0, k * 7);
    code[1] = addi(A0, A0, k);
    code[2] = RET;
    fence_i();
    sum = sum * 3 + f(1000);
  }
  printf("rwx rewrite loop: %lx\n", sum);
  /* compressed instructions, rewritten in place */
  uint16_t *half = (uint16_t *)code;
  long r[3];
  for (int k = 0; k < 3; k++) {
    half[0] = c_li(A0, k * 10 - 11);
    half[1] = C_JR_RA;
    fence_i();
    r[k] = f(0);
  }
  printf("compressed rewrite: %ld %ld %ld\n", r[0], r[1], r[2]);
  /* patch the instruction that follows the patching store's fence.i, in one run */
  code[0] = sw(T0, A1, 12); /* store t0 over code[3] */
  code[1] = FENCE_I;
  code[2] = addi(0, 0, 0);  /* nop */
  code[3] = addi(A0, A0, 1);
  code[4] = RET;
  fence_i();
  printf("patch ahead of pc: %ld then %ld\n", run_patch(code, addi(A0, A0, 99), 5),
         run_patch(code, addi(A0, A0, -50), 5));
  munmap(code, PAGE);
}

static uint32_t data_page[PAGE / 4] __attribute__((aligned(PAGE))) = {1};

static void data_made_executable(void) {
  int rc = mprotect(data_page, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC);
  printf("mprotect .data RWX: %d\n", rc);
  fn1 f = (fn1)(void *)data_page;
  long out[2];
  for (int k = 0; k < 2; k++) {
    data_page[0] = addi(A0, A0, 40 + k);
    data_page[1] = RET;
    fence_i();
    out[k] = f(2);
  }
  printf(".data code: %ld %ld\n", out[0], out[1]);
  mprotect(data_page, PAGE, PROT_READ | PROT_WRITE);
}

static void w_xor_x(void) {
  uint32_t *code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  long total = 0;
  for (int k = 0; k < 20; k++) {
    mprotect(code, PAGE, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 50; i++) code[i] = addi(A0, A0, k + i);
    code[50] = RET;
    mprotect(code, PAGE, PROT_READ | PROT_EXEC);
    long rc = syscall3(SYS_riscv_flush_icache, code, code + 51, 0);
    if (rc != 0) printf("riscv_flush_icache: %ld\n", rc);
    total += ((fn1)(void *)code)(k);
  }
  printf("W^X flip-flop: %ld\n", total);
  munmap(code, PAGE);
}

/* A 32-bit instruction at the last two bytes of one page and the first two of the next. */
static void straddling(void) {
  uint8_t *two = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint8_t *at = two + PAGE - 2;
  uint32_t insn = addi(A0, A0, 0x123), ret = RET;
  memcpy(at, &insn, 4);
  memcpy(at + 4, &ret, 4);
  fence_i();
  fn1 f = (fn1)(void *)at;
  long first = f(0);
  /* only the upper halfword (imm[11:4], in the second page) changes: 0x123 -> 0x7f3 */
  uint32_t patched = addi(A0, A0, 0x7f3);
  memcpy(two + PAGE, (uint8_t *)&patched + 2, 2);
  fence_i();
  long second = f(0);
  printf("straddling instruction: %lx then %lx\n", first, second);
  munmap(two, 2 * PAGE);
}

int main(void) {
  rwx_mmap();
  data_made_executable();
  w_xor_x();
  straddling();
  return 0;
}
