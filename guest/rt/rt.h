/* hartscope guest runtime: a freestanding libc subset for small test programs.
 * Programs built on it link with -nostdlib and run as static or static-pie ELF files.
 * Only what the tests need: raw Linux syscalls, a printf subset, string functions, auxv. */
#ifndef HS_RT_H
#define HS_RT_H

typedef unsigned long size_t;
typedef long ssize_t;
typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long uint64_t;
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long int64_t;
typedef unsigned long uintptr_t;
typedef long intptr_t;

#define NULL ((void *)0)
#define INT32_MIN (-2147483647 - 1)
#define INT32_MAX 2147483647
#define INT64_MIN (-9223372036854775807L - 1)
#define INT64_MAX 9223372036854775807L
#define UINT64_MAX 18446744073709551615UL

/* Linux riscv64 syscall numbers (asm-generic/unistd.h). */
#define SYS_getcwd 17
#define SYS_openat 56
#define SYS_close 57
#define SYS_read 63
#define SYS_write 64
#define SYS_exit 93
#define SYS_exit_group 94
#define SYS_kill 129
#define SYS_uname 160
#define SYS_getpid 172
#define SYS_brk 214
#define SYS_munmap 215
#define SYS_mremap 216
#define SYS_mmap 222
#define SYS_mprotect 226

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MAP_FAILED ((void *)-1)
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

#define AT_PAGESZ 6

static inline long rt_syscall6(long n, long a, long b, long c, long d, long e, long f) {
  register long a7 __asm__("a7") = n;
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a3 __asm__("a3") = d;
  register long a4 __asm__("a4") = e;
  register long a5 __asm__("a5") = f;
  __asm__ volatile("ecall"
                   : "+r"(a0)
                   : "r"(a7), "r"(a1), "r"(a2), "r"(a3), "r"(a4), "r"(a5)
                   : "memory");
  return a0;
}
#define syscall0(n) rt_syscall6((n), 0, 0, 0, 0, 0, 0)
#define syscall1(n, a) rt_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define syscall2(n, a, b) rt_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define syscall3(n, a, b, c) rt_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define syscall4(n, a, b, c, d) rt_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define syscall5(n, a, b, c, d, e) rt_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)
#define syscall6(n, a, b, c, d, e, f) \
  rt_syscall6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

static inline ssize_t write(int fd, const void *buf, size_t n) { return syscall3(SYS_write, fd, buf, n); }
static inline ssize_t read(int fd, void *buf, size_t n) { return syscall3(SYS_read, fd, buf, n); }
static inline void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off) {
  return (void *)syscall6(SYS_mmap, addr, len, prot, flags, fd, off);
}
static inline int munmap(void *addr, size_t len) { return (int)syscall2(SYS_munmap, addr, len); }
static inline int mprotect(void *addr, size_t len, int prot) { return (int)syscall3(SYS_mprotect, addr, len, prot); }
static inline void *mremap(void *old, size_t oldlen, size_t newlen, int flags, void *newaddr) {
  return (void *)syscall5(SYS_mremap, old, oldlen, newlen, flags, newaddr);
}
static inline long rt_brk(void *addr) { return syscall1(SYS_brk, addr); }

void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int puts(const char *s);
int putchar(int c);
/* Writes buffered stdout. exit() does it too; call it before anything that may kill the process. */
void fflush_stdout(void);
void exit(int code) __attribute__((noreturn));
unsigned long getauxval(unsigned long type);

#endif
