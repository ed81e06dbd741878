/* What the bare-metal kernels share: QEMU virt's UART, CLINT and test finisher, and a spinlock. */
#pragma once
typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;

#define UART0 ((volatile u8 *)0x10000000UL)
#define CLINT_MTIMECMP(h) ((volatile u64 *)(0x02004000UL + 8 * (h)))
#define CLINT_MTIME ((volatile u64 *)0x0200bff8UL)
#define FINISHER ((volatile u32 *)0x100000UL)

#define csr_read(name) ({ u64 v_; __asm__ volatile("csrr %0, " #name : "=r"(v_)); v_; })
#define csr_write(name, v) __asm__ volatile("csrw " #name ", %0" ::"r"((u64)(v)))
#define csr_set(name, v) __asm__ volatile("csrs " #name ", %0" ::"r"((u64)(v)))

static inline void putc(char c) {
  while ((UART0[5] & 0x20) == 0) {} /* LSR.THRE: room in the transmitter */
  UART0[0] = (u8)c;
}
static inline void puts(const char *s) {
  while (*s) putc(*s++);
}
static inline void puthex(u64 v) {
  puts("0x");
  int started = 0;
  for (int i = 60; i >= 0; i -= 4) {
    int d = (v >> i) & 15;
    if (d || started || i == 0) {
      putc("0123456789abcdef"[d]);
      started = 1;
    }
  }
}
static inline void putdec(u64 v) {
  char b[24];
  int n = 0;
  do b[n++] = '0' + v % 10; while ((v /= 10) != 0);
  while (n) putc(b[--n]);
}
static inline __attribute__((noreturn)) void finish(u32 code) {
  *FINISHER = code == 0 ? 0x5555 : (code << 16) | 0x3333;
  for (;;) __asm__ volatile("wfi");
}

/* A spinlock on LR/SC (the A extension's reservation). */
static inline void lock(volatile u32 *l) {
  u32 busy;
  do {
    __asm__ volatile(
        "1: lr.w.aq %0, (%1)\n"
        "   bnez %0, 2f\n"
        "   sc.w.rl %0, %2, (%1)\n"
        "2:"
        : "=&r"(busy)
        : "r"(l), "r"(1)
        : "memory");
  } while (busy != 0);
}
static inline void unlock(volatile u32 *l) {
  __asm__ volatile("amoswap.w.rl zero, zero, (%0)" ::"r"(l) : "memory");
}
