/* hartscope guest runtime (see rt.h). Built with -ffreestanding -fno-builtin; compiled once
 * for static programs and once with -DRT_PIE -fPIE for static-pie ones. */
#include "rt.h"

#include <stdarg.h>

int main(int argc, char **argv, char **envp);

static unsigned long *auxv_start;

#ifdef RT_PIE
/* A static-pie has no dynamic linker: apply its own R_RISCV_RELATIVE relocations before any
 * absolute pointer in data is used. Everything here is pc-relative (hidden symbols, -fPIE). */
typedef struct {
  long d_tag;
  unsigned long d_val;
} Dyn;
typedef struct {
  unsigned long r_offset, r_info;
  long r_addend;
} Rela;
extern const Dyn _DYNAMIC[] __attribute__((visibility("hidden")));
extern const char __ehdr_start[] __attribute__((visibility("hidden")));
#define DT_NULL 0
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define R_RISCV_RELATIVE 3

static void self_relocate(void) {
  unsigned long base = (unsigned long)__ehdr_start; /* link address of the ELF header is 0 */
  unsigned long rela = 0, relasz = 0, relaent = sizeof(Rela);
  for (const Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_RELA) rela = d->d_val;
    else if (d->d_tag == DT_RELASZ) relasz = d->d_val;
    else if (d->d_tag == DT_RELAENT) relaent = d->d_val;
  }
  for (unsigned long off = 0; off < relasz; off += relaent) {
    const Rela *r = (const Rela *)(base + rela + off);
    if ((r->r_info & 0xffffffff) == R_RISCV_RELATIVE) *(unsigned long *)(base + r->r_offset) = base + r->r_addend;
  }
}
#endif

__attribute__((noreturn, used)) void __rt_start(long *sp) {
#ifdef RT_PIE
  self_relocate();
#endif
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  char **e = envp;
  while (*e) e++;
  auxv_start = (unsigned long *)(e + 1);
  exit(main(argc, argv, envp));
}

unsigned long getauxval(unsigned long type) {
  for (unsigned long *a = auxv_start; a[0] != 0; a += 2)
    if (a[0] == type) return a[1];
  return 0;
}

/* ---- string functions (gcc may emit calls to the mem* ones) ---- */

void *memcpy(void *d, const void *s, size_t n) {
  unsigned char *dp = d;
  const unsigned char *sp = s;
  while (n--) *dp++ = *sp++;
  return d;
}

void *memmove(void *d, const void *s, size_t n) {
  unsigned char *dp = d;
  const unsigned char *sp = s;
  if (dp < sp) {
    while (n--) *dp++ = *sp++;
  } else {
    while (n--) dp[n] = sp[n];
  }
  return d;
}

void *memset(void *d, int c, size_t n) {
  unsigned char *dp = d;
  while (n--) *dp++ = (unsigned char)c;
  return d;
}

int memcmp(const void *a, const void *b, size_t n) {
  const unsigned char *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x - *y;
  return 0;
}

size_t strlen(const char *s) {
  const char *p = s;
  while (*p) p++;
  return (size_t)(p - s);
}

int strcmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n) {
  for (; n; n--, a++, b++) {
    if (*a != *b) return (unsigned char)*a - (unsigned char)*b;
    if (!*a) return 0;
  }
  return 0;
}

/* ---- buffered stdout and a printf subset: %d %i %u %x %X %o %c %s %%, flags '-' '0',
 * width, precision (for %s), length l/ll/z/h/hh ---- */

static char outbuf[4096];
static size_t outlen;

void fflush_stdout(void) {
  size_t off = 0;
  while (off < outlen) {
    ssize_t w = write(1, outbuf + off, outlen - off);
    if (w <= 0) break;
    off += (size_t)w;
  }
  outlen = 0;
}

int putchar(int c) {
  if (outlen == sizeof outbuf) fflush_stdout();
  outbuf[outlen++] = (char)c;
  return (unsigned char)c;
}

static void put_str(const char *s, size_t n) {
  while (n--) putchar(*s++);
}

int puts(const char *s) {
  put_str(s, strlen(s));
  putchar('\n');
  return 0;
}

static void pad(int n, char c) {
  while (n-- > 0) putchar(c);
}

int printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      putchar(*p);
      continue;
    }
    p++;
    int left = 0, zero = 0, width = 0, lng = 0, half = 0, prec = -1;
    for (;; p++) {
      if (*p == '-') left = 1;
      else if (*p == '0') zero = 1;
      else break;
    }
    while (*p >= '0' && *p <= '9') width = width * 10 + (*p++ - '0');
    if (*p == '.') {
      prec = 0;
      for (p++; *p >= '0' && *p <= '9'; p++) prec = prec * 10 + (*p - '0');
    }
    for (;; p++) {
      if (*p == 'l' || *p == 'z') lng = 1;
      else if (*p == 'h') half++;
      else break;
    }
    char tmp[24];
    char *end = tmp + sizeof tmp, *s = end;
    const char *str = s;
    size_t len = 0;
    int neg = 0;
    switch (*p) {
      case 'd':
      case 'i': {
        long v = lng ? va_arg(ap, long) : va_arg(ap, int);
        if (half == 1) v = (short)v;
        if (half >= 2) v = (signed char)v;
        unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
        neg = v < 0;
        do *--s = (char)('0' + u % 10);
        while (u /= 10);
        str = s;
        len = (size_t)(end - s);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        unsigned long u = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
        if (half == 1) u = (unsigned short)u;
        if (half >= 2) u = (unsigned char)u;
        unsigned base = *p == 'u' ? 10 : *p == 'o' ? 8 : 16;
        const char *digits = *p == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
        do *--s = digits[u % base];
        while (u /= base);
        str = s;
        len = (size_t)(end - s);
        break;
      }
      case 'c':
        tmp[0] = (char)va_arg(ap, int);
        str = tmp;
        len = 1;
        break;
      case 's':
        str = va_arg(ap, const char *);
        if (!str) str = "(null)";
        for (len = 0; (prec < 0 || (int)len < prec) && str[len]; len++) {
        }
        break;
      case '%':
        str = "%";
        len = 1;
        break;
      default: /* unknown conversion: print it as is */
        putchar('%');
        putchar(*p);
        continue;
    }
    int fill = width - (int)len - neg;
    if (!left && !zero) pad(fill, ' ');
    if (neg) putchar('-');
    if (!left && zero) pad(fill, '0');
    put_str(str, len);
    if (left) pad(fill, ' ');
  }
  va_end(ap);
  return 0;
}

void exit(int code) {
  fflush_stdout();
  for (;;) syscall1(SYS_exit_group, code);
}
