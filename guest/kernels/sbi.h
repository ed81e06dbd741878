/* What the S-mode kernels share: SBI calls (a7 = extension, a6 = function, a0..a5 arguments;
   a0 = error and a1 = value back), printing through the legacy console, a spinlock. */
#pragma once
typedef unsigned long u64;
typedef long i64;
typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

#define csr_read(name) ({ u64 v_; __asm__ volatile("csrr %0, " #name : "=r"(v_)); v_; })
#define csr_write(name, v) __asm__ volatile("csrw " #name ", %0" ::"r"((u64)(v)))
#define csr_set(name, v) __asm__ volatile("csrs " #name ", %0" ::"r"((u64)(v)))
#define csr_clear(name, v) __asm__ volatile("csrc " #name ", %0" ::"r"((u64)(v)))

#define EXT_BASE 0x10
#define EXT_TIME 0x54494D45
#define EXT_IPI 0x735049
#define EXT_RFENCE 0x52464E43
#define EXT_HSM 0x48534D
#define EXT_SRST 0x53525354
#define EXT_DBCN 0x4442434E

#define SIP_SSIP (1UL << 1)
#define SIP_STIP (1UL << 5)
#define SSTATUS_SIE (1UL << 1)

struct sbiret {
  i64 error;
  i64 value;
};

static inline struct sbiret sbi_call(u64 ext, u64 fid, u64 a0, u64 a1, u64 a2, u64 a3, u64 a4) {
  register u64 r0 __asm__("a0") = a0;
  register u64 r1 __asm__("a1") = a1;
  register u64 r2 __asm__("a2") = a2;
  register u64 r3 __asm__("a3") = a3;
  register u64 r4 __asm__("a4") = a4;
  register u64 r6 __asm__("a6") = fid;
  register u64 r7 __asm__("a7") = ext;
  __asm__ volatile("ecall" : "+r"(r0), "+r"(r1) : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7) : "memory");
  return (struct sbiret){(i64)r0, (i64)r1};
}
#define SBI0(e, f) sbi_call(e, f, 0, 0, 0, 0, 0)
#define SBI1(e, f, a) sbi_call(e, f, a, 0, 0, 0, 0)
#define SBI2(e, f, a, b) sbi_call(e, f, a, b, 0, 0, 0)
#define SBI3(e, f, a, b, c) sbi_call(e, f, a, b, c, 0, 0)

/* a legacy call: one value back in a0 */
static inline i64 sbi_legacy(u64 ext, u64 a0) {
  register u64 r0 __asm__("a0") = a0;
  register u64 r7 __asm__("a7") = ext;
  __asm__ volatile("ecall" : "+r"(r0) : "r"(r7) : "memory", "a1");
  return (i64)r0;
}

static inline void putc(char c) { sbi_legacy(1, (u8)c); }
static inline void puts(const char *s) {
  while (*s) putc(*s++);
}
static inline void putdec(i64 v) {
  char b[24];
  int n = 0;
  u64 u = v < 0 ? -(u64)v : (u64)v;
  if (v < 0) putc('-');
  do b[n++] = '0' + u % 10; while ((u /= 10) != 0);
  while (n) putc(b[--n]);
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
/* "name = value\n" */
static inline void say(const char *name, i64 v) {
  puts(name);
  puts(" = ");
  putdec(v);
  putc('\n');
}
static inline u64 rdtime(void) { return csr_read(time); }
static inline __attribute__((noreturn)) void shutdown(void) {
  SBI2(EXT_SRST, 0, 0, 0);
  for (;;) __asm__ volatile("wfi");
}

static inline void lock(volatile u32 *l) {
  while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE) != 0) {}
}
static inline void unlock(volatile u32 *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }
