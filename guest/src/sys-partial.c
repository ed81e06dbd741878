/* The kernel's copies stop at the first page the program cannot access: a read() into a buffer whose
 * first bytes are writable and whose next page is not returns the bytes copied before that page
 * (EFAULT only when nothing was copied), and the file offset moves by that much; the same for
 * pread, readv, getdents64 (whole records) and for write() from a partly unreadable buffer.
 * Pipes differ: Linux copies a pipe buffer whole or not at all (fs/pipe.c), so a fault inside the
 * first one is EFAULT. qemu-riscv64 checks the whole buffer before the call (EFAULT throughout), so
 * this program is compared with itself built for the host, that is with Linux.
 * Portable C: builds for riscv64 (guest/build.sh) and for the host (the differential test). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096
#define WRITABLE 100 /* bytes before the protected page */

static char *pages; /* two pages: the first read-write, the second as `protect` sets it */

static void protect(int prot) {
  if (mprotect(pages + PAGE, PAGE, prot) != 0) {
    perror("mprotect");
    exit(1);
  }
}

/* the result of a call, as "= N" or "= -1 ENAME" */
static void result(const char *what, long r) {
  if (r < 0) printf("%s = -1 %s\n", what, errno == EFAULT ? "EFAULT" : strerrorname_np(errno));
  else printf("%s = %ld\n", what, r);
}

static char *edge(void) { return pages + PAGE - WRITABLE; }

static void fill(const char *path, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  char c;
  for (size_t i = 0; i < n; i++) {
    c = (char)('a' + i % 26);
    if (write(fd, &c, 1) != 1) exit(2);
  }
  close(fd);
}

static void reads(const char *name, int prot) {
  char what[96];
  protect(prot);
  int fd = open("data", O_RDONLY);
  memset(pages, 0, PAGE);
  snprintf(what, sizeof what, "read(file, 100 writable + %s, 300)", name);
  result(what, read(fd, edge(), 300));
  printf("  bytes copied: %.3s..%.3s, offset after: %ld\n", edge(), edge() + 97, (long)lseek(fd, 0, SEEK_CUR));
  snprintf(what, sizeof what, "pread(file, 100 writable + %s, 300, 1000)", name);
  result(what, pread(fd, edge(), 300, 1000));
  printf("  bytes copied: %.3s..%.3s\n", edge(), edge() + 97);
  struct iovec iov[2] = {{edge(), 40}, {edge() + 40, 300}};
  lseek(fd, 0, SEEK_SET);
  snprintf(what, sizeof what, "readv(file, {40 writable}, {60 writable + %s})", name);
  result(what, readv(fd, iov, 2));
  printf("  offset after: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  struct iovec iov2[2] = {{pages, 30}, {pages + PAGE, 10}};
  lseek(fd, 0, SEEK_SET);
  snprintf(what, sizeof what, "readv(file, {30 writable}, {%s})", name);
  result(what, readv(fd, iov2, 2));
  lseek(fd, 0, SEEK_SET);
  snprintf(what, sizeof what, "read(file, %s, 10)", name);
  result(what, read(fd, pages + PAGE, 10));
  printf("  offset after: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  close(fd);

  int z = open("/dev/zero", O_RDONLY);
  memset(pages, 1, PAGE);
  snprintf(what, sizeof what, "read(/dev/zero, 100 writable + %s, 300)", name);
  result(what, read(z, edge(), 300));
  printf("  zeroed: %d\n", edge()[0] == 0 && edge()[WRITABLE - 1] == 0);
  close(z);

  int p[2];
  if (pipe(p) != 0) exit(3);
  char buf[400];
  memset(buf, 'p', sizeof buf);
  if (write(p[1], buf, 300) != 300) exit(4);
  snprintf(what, sizeof what, "read(pipe holding 300, 100 writable + %s, 300)", name);
  result(what, read(p[0], edge(), 300));
  snprintf(what, sizeof what, "read(pipe, 400-byte buffer) after it");
  result(what, read(p[0], buf, sizeof buf));
  close(p[0]);
  close(p[1]);
}

static void writes(const char *name, int prot) {
  char what[96];
  protect(prot);
  memset(edge(), 'w', WRITABLE);
  int fd = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  snprintf(what, sizeof what, "write(file, 100 readable + %s, 300)", name);
  result(what, write(fd, edge(), 300));
  struct stat st;
  fstat(fd, &st);
  printf("  size after: %ld, offset after: %ld\n", (long)st.st_size, (long)lseek(fd, 0, SEEK_CUR));
  snprintf(what, sizeof what, "pwrite(file, 100 readable + %s, 300, 1000)", name);
  result(what, pwrite(fd, edge(), 300, 1000));
  fstat(fd, &st);
  printf("  size after: %ld\n", (long)st.st_size);
  struct iovec iov[2] = {{edge(), 40}, {edge() + 40, 300}};
  snprintf(what, sizeof what, "writev(file, {40 readable}, {60 readable + %s})", name);
  result(what, writev(fd, iov, 2));
  printf("  offset after: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  close(fd);

  int p[2];
  if (pipe(p) != 0) exit(3);
  char buf[400];
  snprintf(what, sizeof what, "write(pipe, 100 readable + %s, 300)", name);
  result(what, write(p[1], edge(), 300));
  close(p[1]);
  result("read(pipe, 400-byte buffer) after it", read(p[0], buf, sizeof buf));
  close(p[0]);
}

/* getdents64 writes whole records: those that fit before the page, EFAULT if not even one does */
static void dents(const char *name, int prot) {
  char what[96];
  protect(prot);
  int d = open("dir", O_RDONLY | O_DIRECTORY);
  long total = 0, calls = 0, r;
  snprintf(what, sizeof what, "getdents64(dir, 100 writable + %s, 4096)", name);
  r = syscall(SYS_getdents64, d, edge(), 4096);
  result(what, r);
  while (r > 0) {
    for (long at = 0; at < r;) {
      unsigned short reclen;
      memcpy(&reclen, (calls == 0 ? edge() : pages) + at + 16, 2);
      at += reclen;
      total++;
    }
    calls++;
    r = syscall(SYS_getdents64, d, pages, 1000); /* the rest, into a good buffer */
  }
  printf("  entries seen in all: %ld\n", total);
  close(d);
  d = open("dir", O_RDONLY | O_DIRECTORY);
  snprintf(what, sizeof what, "getdents64(dir, 10 writable + %s, 4096)", name);
  result(what, syscall(SYS_getdents64, d, pages + PAGE - 10, 4096));
  close(d);
}

int main(int argc, char **argv) {
  if (argc > 1 && chdir(argv[1]) != 0) return 5;
  pages = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) return 6;
  fill("data", 8192);
  mkdir("dir", 0755);
  for (int i = 0; i < 10; i++) {
    char n[16];
    snprintf(n, sizeof n, "dir/f%02d", i);
    close(open(n, O_WRONLY | O_CREAT, 0644));
  }
  setvbuf(stdout, NULL, _IONBF, 0);
  reads("PROT_READ", PROT_READ);
  reads("PROT_NONE", PROT_NONE);
  writes("PROT_NONE", PROT_NONE);
  dents("PROT_READ", PROT_READ);
  return 0;
}
