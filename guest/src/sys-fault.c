/* The kernel's copies to and from user memory fault where the program's own accesses would,
 * and paths too long are ENAMETOOLONG: read() into a PROT_READ or PROT_NONE buffer, stat and
 * statfs into one, write() from PROT_NONE, NULL and unterminated paths, PATH_MAX and NAME_MAX.
 * Raw syscalls, so no libc wrapper changes what the kernel sees. Usage: sys-fault */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%-40s = -1 %s\n", what, strerrorname_np(errno));
  else printf("%-40s = %ld\n", what, r);
}

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  int fd = open("/proc/self/exe", O_RDONLY);
  char *ro = mmap(NULL, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *none = mmap(NULL, (size_t)page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  /* two pages: a writable one, then PROT_NONE */
  char *edge = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mprotect(edge + page, (size_t)page, PROT_NONE);
  if (fd < 0 || ro == MAP_FAILED || none == MAP_FAILED || edge == MAP_FAILED) return 1;

  show("read(exe, PROT_READ buffer, 16)", syscall(SYS_read, fd, ro, 16));
  show("lseek(exe, 0, SEEK_CUR) after it", syscall(SYS_lseek, fd, 0, SEEK_CUR));
  show("read(exe, PROT_NONE buffer, 16)", syscall(SYS_read, fd, none, 16));
  show("pread64(exe, PROT_READ buffer, 16, 0)", syscall(SYS_pread64, fd, ro, 16, 0));
  show("read(exe, writable buffer, 16)", syscall(SYS_read, fd, edge, 16));
  show("write(1, PROT_NONE buffer, 4)", syscall(SYS_write, 1, none, 4));
  show("fstat(exe, PROT_READ buffer)", syscall(SYS_fstat, fd, ro));
  show("statfs(\"/\", PROT_READ buffer)", syscall(SYS_statfs, "/", ro));
  show("statfs(\"/\", NULL)", syscall(SYS_statfs, "/", NULL));
  show("fstatfs(exe, PROT_NONE buffer)", syscall(SYS_fstatfs, fd, none));
  show("newfstatat(\".\", PROT_READ buffer)", syscall(SYS_newfstatat, AT_FDCWD, ".", ro, 0));
  show("getcwd(PROT_READ buffer, 4096)", syscall(SYS_getcwd, ro, 4096));
  show("pipe2(PROT_READ buffer)", syscall(SYS_pipe2, ro, 0));
  show("clock_gettime(MONOTONIC, PROT_READ)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ro));
  show("openat(NULL)", syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY));
  show("openat(PROT_NONE path)", syscall(SYS_openat, AT_FDCWD, none, O_RDONLY));
  /* "ab" at the end of the writable page, no NUL before PROT_NONE */
  memcpy(edge + page - 2, "ab", 2);
  show("openat(path running into PROT_NONE)", syscall(SYS_openat, AT_FDCWD, edge + page - 2, O_RDONLY));

  static char path[8192];
  /* "./././..../." of 4095 bytes and its NUL: the longest path, and it names "." */
  for (int i = 0; i < 4094; i += 2) memcpy(path + i, "./", 2);
  path[4094] = '.';
  path[4095] = 0;
  show("faccessat(4095-byte path)", syscall(SYS_faccessat, AT_FDCWD, path, F_OK));
  path[4095] = '/';
  path[4096] = 0;
  show("faccessat(4096-byte path)", syscall(SYS_faccessat, AT_FDCWD, path, F_OK));
  memset(path, 'x', sizeof path);
  show("faccessat(8192 bytes, no NUL)", syscall(SYS_faccessat, AT_FDCWD, path, F_OK));
  memset(path, 'a', 255);
  path[255] = 0;
  show("faccessat(255-byte name)", syscall(SYS_faccessat, AT_FDCWD, path, F_OK));
  memset(path, 'a', 256);
  path[256] = 0;
  show("faccessat(256-byte name)", syscall(SYS_faccessat, AT_FDCWD, path, F_OK));
  show("openat(256-byte name, O_CREAT)", syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY, 0600));
  memcpy(path, "missing/", 8);
  show("faccessat(missing/ + 248-byte name)", syscall(SYS_faccessat, AT_FDCWD, path, F_OK));
  fflush(stdout);
  return 0;
}
