/* The process's view of its environment: argv, the HS_* environment variables (sorted),
 * auxv entries (values that do not depend on addresses or the host), uname, getrandom,
 * clocks (monotonic, sleeping advances them), ids. Usage: sys-env [ARGS...] */
#define _GNU_SOURCE
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
extern const Elf64_Ehdr __ehdr_start;
void _start(void);

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static long ns_between(const struct timespec *a, const struct timespec *b) {
  return (b->tv_sec - a->tv_sec) * 1000000000L + (b->tv_nsec - a->tv_nsec);
}

int main(int argc, char **argv) {
  printf("argc = %d\n", argc);
  for (int i = 1; i < argc; i++) printf("argv[%d] = \"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");

  char *hs[256];
  int n = 0;
  for (char **e = environ; *e && n < 256; e++)
    if (strncmp(*e, "HS_", 3) == 0) hs[n++] = *e;
  qsort(hs, (size_t)n, sizeof hs[0], cmp);
  printf("HS_ variables: %d\n", n);
  for (int i = 0; i < n; i++) printf("  %s\n", hs[i]);
  const char *g = getenv("HS_GREETING");
  printf("getenv HS_GREETING: %s\n", g ? g : "(unset)");

  printf("AT_PAGESZ = %lu\n", getauxval(AT_PAGESZ));
  printf("AT_CLKTCK = %lu\n", getauxval(AT_CLKTCK));
  printf("AT_PHENT = %lu\n", getauxval(AT_PHENT));
  printf("AT_PHNUM = %lu (e_phnum %u)\n", getauxval(AT_PHNUM), __ehdr_start.e_phnum);
  printf("AT_PHDR is the program headers: %s\n",
         getauxval(AT_PHDR) == (unsigned long)&__ehdr_start + __ehdr_start.e_phoff ? "yes" : "no");
  printf("AT_ENTRY is _start: %s\n", getauxval(AT_ENTRY) == (unsigned long)_start ? "yes" : "no");
  printf("AT_BASE = %lu\n", getauxval(AT_BASE));
  printf("AT_FLAGS = %lu\n", getauxval(AT_FLAGS));
  printf("AT_SECURE = %lu\n", getauxval(AT_SECURE));
  printf("AT_HWCAP = %lx\n", getauxval(AT_HWCAP));
  printf("AT_UID/AT_EUID/AT_GID/AT_EGID match the syscalls: %s\n",
         getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() && getauxval(AT_GID) == getgid() &&
                 getauxval(AT_EGID) == getegid()
             ? "yes"
             : "no");
  const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
  int rnd_nonzero = 0;
  for (int i = 0; rnd && i < 16; i++) rnd_nonzero |= rnd[i];
  printf("AT_RANDOM: 16 readable bytes, not all zero: %s\n", rnd && rnd_nonzero ? "yes" : "no");
  const char *execfn = (const char *)getauxval(AT_EXECFN);
  printf("AT_EXECFN is argv[0]: %s\n", execfn && strcmp(execfn, argv[0]) == 0 ? "yes" : "no");
  printf("sysconf page size %ld, clock ticks %ld\n", sysconf(_SC_PAGESIZE), sysconf(_SC_CLK_TCK));

  struct utsname u;
  uname(&u);
  printf("uname: sysname %s, machine %s, nodename non-empty: %s\n", u.sysname, u.machine,
         u.nodename[0] ? "yes" : "no");

  unsigned char r1[64], r2[64];
  ssize_t n1 = getrandom(r1, sizeof r1, 0), n2 = getrandom(r2, sizeof r2, GRND_NONBLOCK);
  printf("getrandom: %zd %zd, differ: %s\n", n1, n2, memcmp(r1, r2, sizeof r1) ? "yes" : "no");

  struct timespec t0, t1, prev, now;
  int mono = 1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  prev = t0;
  for (int i = 0; i < 1000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ns_between(&prev, &now) < 0) mono = 0;
    prev = now;
  }
  printf("CLOCK_MONOTONIC never goes back: %s\n", mono ? "yes" : "no");
  struct timespec req = {0, 2000000};
  int slept = nanosleep(&req, NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("nanosleep 2 ms: %d, monotonic clock advanced at least 2 ms: %s\n", slept,
         ns_between(&t0, &t1) >= 2000000 ? "yes" : "no");
  struct timespec rt, cpu, res;
  struct timeval tv;
  printf("clock_gettime REALTIME %d PROCESS_CPUTIME %d, clock_getres %d, gettimeofday %d\n",
         clock_gettime(CLOCK_REALTIME, &rt), clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu),
         clock_getres(CLOCK_MONOTONIC, &res), gettimeofday(&tv, NULL));
  printf("gettimeofday agrees with CLOCK_REALTIME within 10 s: %s\n",
         tv.tv_sec - rt.tv_sec < 10 && rt.tv_sec - tv.tv_sec < 10 ? "yes" : "no");

  printf("gettid == getpid: %s, getppid > 0: %s, uid == euid: %s\n", gettid() == getpid() ? "yes" : "no",
         getppid() > 0 ? "yes" : "no", getuid() == geteuid() ? "yes" : "no");
  return 0;
}
