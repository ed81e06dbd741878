/* A context switch between two threads in S-mode, preempted by SBI's timer: the trap entry saves
   every register and sepc/sstatus on the running thread's stack and resumes the other thread from
   its own. Each thread computes a hash with many registers live; the results must equal those of
   the same computation run with no switches at all. */
#include "sbi.h"

#define PERIOD 500 /* ticks between switches (50 us) */
#define ITER 100000

extern char switch_entry[];
static u64 stack_b[1024] __attribute__((aligned(16)));
static u64 saved_sp[2];
static volatile int current, done[2];
static volatile u64 result[2];
static volatile int switches;

/* Saves x1, x3..x31, sepc and sstatus (frame of 34 words), asks switch_to for the stack to resume,
   restores from it. */
__asm__(".text\n .balign 4\n .globl switch_entry\nswitch_entry:\n addi sp, sp, -272\n"
        " sd x1, 0(sp)\n sd x3, 16(sp)\n sd x4, 24(sp)\n sd x5, 32(sp)\n sd x6, 40(sp)\n sd x7, 48(sp)\n"
        " sd x8, 56(sp)\n sd x9, 64(sp)\n sd x10, 72(sp)\n sd x11, 80(sp)\n sd x12, 88(sp)\n sd x13, 96(sp)\n"
        " sd x14, 104(sp)\n sd x15, 112(sp)\n sd x16, 120(sp)\n sd x17, 128(sp)\n sd x18, 136(sp)\n"
        " sd x19, 144(sp)\n sd x20, 152(sp)\n sd x21, 160(sp)\n sd x22, 168(sp)\n sd x23, 176(sp)\n"
        " sd x24, 184(sp)\n sd x25, 192(sp)\n sd x26, 200(sp)\n sd x27, 208(sp)\n sd x28, 216(sp)\n"
        " sd x29, 224(sp)\n sd x30, 232(sp)\n sd x31, 240(sp)\n csrr t0, sepc\n sd t0, 248(sp)\n"
        " csrr t0, sstatus\n sd t0, 256(sp)\n mv a0, sp\n csrr a1, scause\n call switch_to\n mv sp, a0\n"
        " ld t0, 248(sp)\n csrw sepc, t0\n ld t0, 256(sp)\n csrw sstatus, t0\n"
        " ld x1, 0(sp)\n ld x3, 16(sp)\n ld x4, 24(sp)\n ld x5, 32(sp)\n ld x6, 40(sp)\n ld x7, 48(sp)\n"
        " ld x8, 56(sp)\n ld x9, 64(sp)\n ld x10, 72(sp)\n ld x11, 80(sp)\n ld x12, 88(sp)\n ld x13, 96(sp)\n"
        " ld x14, 104(sp)\n ld x15, 112(sp)\n ld x16, 120(sp)\n ld x17, 128(sp)\n ld x18, 136(sp)\n"
        " ld x19, 144(sp)\n ld x20, 152(sp)\n ld x21, 160(sp)\n ld x22, 168(sp)\n ld x23, 176(sp)\n"
        " ld x24, 184(sp)\n ld x25, 192(sp)\n ld x26, 200(sp)\n ld x27, 208(sp)\n ld x28, 216(sp)\n"
        " ld x29, 224(sp)\n ld x30, 232(sp)\n ld x31, 240(sp)\n addi sp, sp, 272\n sret\n");

u64 strap_handler(u64 cause, u64 epc, u64 tval) { return epc; }

u64 switch_to(u64 sp, u64 cause) {
  if (cause != (1UL << 63 | 5)) {
    puts("unexpected trap ");
    puthex(cause);
    putc('\n');
    shutdown();
  }
  SBI1(EXT_TIME, 0, rdtime() + PERIOD);
  if (current == 0 && done[1]) return sp; /* thread B has finished: A runs on */
  saved_sp[current] = sp;
  current ^= 1;
  switches++;
  return saved_sp[current];
}

static u64 work(u64 seed) {
  u64 a = seed, b = seed * 3, c = seed * 5, d = seed * 7, e = seed * 11, f = seed * 13, g = seed * 17;
  for (int i = 0; i < ITER; i++) {
    a = a * 6364136223846793005UL + b;
    b ^= a >> 17;
    c += b * 31 + d;
    d = (d << 7 | d >> 57) ^ c;
    e += d ^ f;
    f = f * 0x9e3779b97f4a7c15UL + e;
    g ^= f + a;
  }
  return a ^ b ^ c ^ d ^ e ^ f ^ g;
}

static void thread_b(void) {
  result[1] = work(2);
  done[1] = 1;
  for (;;) __asm__ volatile("wfi");
}

void kmain(u64 hartid, const u8 *dtb) {
  puts("== S-mode kernel: threads ==\n");
  u64 expect_a = work(1), expect_b = work(2); /* no switches yet */
  /* thread B's first frame: it "returns" to thread_b with SIE on (SPIE) in S-mode (SPP) */
  u64 *frame = &stack_b[1024 - 34];
  for (int i = 0; i < 34; i++) frame[i] = 0;
  frame[31] = (u64)thread_b;                                     /* sepc */
  frame[32] = csr_read(sstatus) | (1UL << 8) | (1UL << 5);        /* SPP, SPIE */
  saved_sp[1] = (u64)frame;
  current = 0;
  csr_write(stvec, (u64)switch_entry);
  SBI1(EXT_TIME, 0, rdtime() + PERIOD);
  csr_set(sie, 1 << 5);
  csr_set(sstatus, SSTATUS_SIE);
  result[0] = work(1);
  done[0] = 1;
  while (!done[1]) __asm__ volatile("wfi");
  csr_clear(sstatus, SSTATUS_SIE);
  say("thread A's result is right", result[0] == expect_a);
  say("thread B's result is right", result[1] == expect_b);
  say("the threads were switched more than once", switches > 1);
  shutdown();
}

void secondary(u64 hartid, u64 opaque) {}
