/* File system calls in a fresh temporary directory under the current one:
 * mkdirat, openat (O_CREAT/O_EXCL/O_TRUNC/O_APPEND/O_DIRECTORY), read/write/pread64/pwrite64,
 * readv/writev, lseek (SET/CUR/END, holes), fstat/newfstatat/statx, ftruncate, getdents64
 * (names sorted: order is file-system dependent), symlinkat/readlinkat, linkat, renameat,
 * faccessat, dup/dup3/fcntl, pipe2, getcwd/chdir, unlinkat and error numbers.
 * Nothing host-dependent is printed (no inode numbers, times, or the directory's name). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CHECK(expr)                                                                   \
  do {                                                                                \
    if ((expr) < 0) printf("FAILED %s: %s (errno %d)\n", #expr, strerror(errno), errno); \
  } while (0)

static void show_errno(const char *what, long rc) {
  printf("%s: %ld%s%s\n", what, rc, rc < 0 ? " " : "", rc < 0 ? strerrorname_np(errno) : "");
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list_dir(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    printf("opendir %s failed\n", path);
    return;
  }
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 64) {
    char type = e->d_type == DT_REG ? 'f' : e->d_type == DT_DIR ? 'd' : e->d_type == DT_LNK ? 'l' : '?';
    char *s = malloc(strlen(e->d_name) + 3);
    sprintf(s, "%s:%c", e->d_name, type);
    names[n++] = s;
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof names[0], cmp_names);
  printf("%s:", path);
  for (int i = 0; i < n; i++) {
    printf(" %s", names[i]);
    free(names[i]);
  }
  printf("\n");
}

static void stat_line(const char *what, const struct stat *st) {
  printf("%s: size %lld mode %o type %s nlink %lu\n", what, (long long)st->st_size, st->st_mode & 07777,
         S_ISREG(st->st_mode) ? "file" : S_ISDIR(st->st_mode) ? "dir" : S_ISLNK(st->st_mode) ? "link" : "other",
         (unsigned long)st->st_nlink);
}

int main(void) {
  umask(022);
  char dir[] = "hs-files-XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  char cwd[4096];
  CHECK(chdir(dir));
  printf("getcwd ends with the new directory: %s\n",
         getcwd(cwd, sizeof cwd) && strcmp(cwd + strlen(cwd) - strlen(dir), dir) == 0 ? "yes" : "no");

  /* write, read back, seek */
  int fd = openat(AT_FDCWD, "data.txt", O_CREAT | O_RDWR | O_EXCL, 0640);
  CHECK(fd);
  const char *text = "hello, file\nsecond line\n";
  printf("write: %zd\n", write(fd, text, strlen(text)));
  long long end = lseek(fd, 0, SEEK_END), cur = lseek(fd, 0, SEEK_CUR), set = lseek(fd, 7, SEEK_SET);
  printf("lseek END: %lld, CUR: %lld, SET 7: %lld\n", end, cur, set);
  char buf[256];
  ssize_t n = read(fd, buf, 4);
  printf("read at 7: %zd '%.*s'\n", n, (int)n, buf);
  n = pread(fd, buf, 6, 12);
  printf("pread at 12: %zd '%.*s'\n", n, (int)n, buf);
  printf("pwrite at 100: %zd\n", pwrite(fd, "XYZ", 3, 100));
  struct stat st;
  CHECK(fstat(fd, &st));
  stat_line("fstat after hole", &st);
  n = pread(fd, buf, 8, 96);
  printf("hole reads zeros:");
  for (ssize_t i = 0; i < n; i++) printf(" %02x", (unsigned char)buf[i]);
  printf("\n");
  CHECK(ftruncate(fd, 5));
  CHECK(fstat(fd, &st));
  stat_line("after ftruncate 5", &st);
  printf("read at end: %zd\n", read(fd, buf, sizeof buf));
  printf("open O_EXCL again: ");
  show_errno("rc", openat(AT_FDCWD, "data.txt", O_CREAT | O_EXCL | O_WRONLY, 0600));

  /* vectored I/O */
  struct iovec iov[3] = {{"one ", 4}, {"two ", 4}, {"three\n", 6}};
  set = lseek(fd, 0, SEEK_SET);
  printf("lseek SET 0: %lld, writev: %zd\n", set, writev(fd, iov, 3));
  char a[5] = {0}, b[20] = {0};
  struct iovec riov[2] = {{a, 4}, {b, sizeof b - 1}};
  lseek(fd, 0, SEEK_SET);
  n = readv(fd, riov, 2);
  printf("readv: %zd '%s' '%s'", n, a, b);
  close(fd);

  /* O_APPEND and O_TRUNC */
  fd = open("data.txt", O_WRONLY | O_APPEND);
  lseek(fd, 0, SEEK_SET);
  n = write(fd, "tail\n", 5);
  printf("append write: %zd, now at %lld\n", n, (long long)lseek(fd, 0, SEEK_CUR));
  close(fd);
  fd = open("data.txt", O_RDONLY);
  n = read(fd, buf, sizeof buf);
  printf("content: %zd '%.*s'\n", n, (int)n, buf);
  close(fd);
  fd = open("data.txt", O_WRONLY | O_TRUNC);
  CHECK(fstat(fd, &st));
  stat_line("after O_TRUNC", &st);
  printf("write to O_RDONLY fd: ");
  int ro = open("data.txt", O_RDONLY);
  show_errno("rc", write(ro, "x", 1));
  close(ro);
  close(fd);

  /* directories, links, renames */
  CHECK(mkdirat(AT_FDCWD, "sub", 0755));
  CHECK(symlinkat("data.txt", AT_FDCWD, "link"));
  CHECK(linkat(AT_FDCWD, "data.txt", AT_FDCWD, "hard", 0));
  n = readlinkat(AT_FDCWD, "link", buf, sizeof buf);
  printf("readlinkat: %zd '%.*s'\n", n, (int)n, buf);
  CHECK(fstatat(AT_FDCWD, "link", &st, AT_SYMLINK_NOFOLLOW));
  stat_line("lstat link", &st);
  CHECK(fstatat(AT_FDCWD, "hard", &st, 0));
  stat_line("stat hard", &st);
  struct statx sx;
  CHECK(statx(AT_FDCWD, "sub", 0, STATX_TYPE | STATX_MODE, &sx));
  printf("statx sub: dir %s mode %o\n", S_ISDIR(sx.stx_mode) ? "yes" : "no", sx.stx_mode & 07777);
  int dfd = open("sub", O_RDONLY | O_DIRECTORY);
  int f2 = openat(dfd, "inner", O_CREAT | O_WRONLY, 0600);
  printf("openat relative to a directory fd: %s\n", f2 >= 0 ? "ok" : "failed");
  close(f2);
  CHECK(renameat(dfd, "inner", AT_FDCWD, "moved"));
  int acc = faccessat(AT_FDCWD, "moved", R_OK, 0);
  printf("faccessat moved R_OK: %d, missing F_OK: ", acc);
  show_errno("rc", faccessat(AT_FDCWD, "missing", F_OK, 0));
  printf("open a file as a directory: ");
  show_errno("rc", open("moved", O_RDONLY | O_DIRECTORY));
  list_dir(".");
  list_dir("sub");

  /* descriptors */
  fd = open("moved", O_RDWR);
  int d1 = dup(fd), d2 = dup3(fd, 40, O_CLOEXEC);
  printf("dup > fd: %s, dup3 -> %d, FD_CLOEXEC %s\n", d1 > fd ? "yes" : "no", d2,
         fcntl(d2, F_GETFD) & FD_CLOEXEC ? "set" : "clear");
  write(d1, "shared offset", 13);
  printf("offset seen through the original fd: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  printf("F_GETFL access mode O_RDWR: %s\n", (fcntl(fd, F_GETFL) & O_ACCMODE) == O_RDWR ? "yes" : "no");
  close(d1);
  close(d2);
  close(fd);
  printf("close a closed fd: ");
  show_errno("rc", close(d2));
  int p[2];
  CHECK(pipe2(p, O_CLOEXEC));
  n = write(p[1], "through the pipe", 16);
  printf("pipe write: %zd", n);
  n = read(p[0], buf, sizeof buf);
  printf(", read: %zd '%.*s'\n", n, (int)n, buf);
  close(p[1]);
  printf("read at EOF of pipe: %zd\n", read(p[0], buf, sizeof buf));
  close(p[0]);

  /* clean up */
  CHECK(unlinkat(AT_FDCWD, "moved", 0));
  CHECK(unlinkat(AT_FDCWD, "link", 0));
  CHECK(unlinkat(AT_FDCWD, "hard", 0));
  CHECK(unlinkat(AT_FDCWD, "data.txt", 0));
  printf("rmdir non-empty? ");
  int tmp = open("sub/x", O_CREAT | O_WRONLY, 0600);
  close(tmp);
  show_errno("rc", unlinkat(AT_FDCWD, "sub", AT_REMOVEDIR));
  CHECK(unlink("sub/x"));
  CHECK(unlinkat(AT_FDCWD, "sub", AT_REMOVEDIR));
  close(dfd);
  CHECK(chdir(".."));
  CHECK(rmdir(dir));
  printf("stat removed dir: ");
  show_errno("rc", stat(dir, &st));
  return 0;
}
