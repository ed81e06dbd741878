/* lseek on the standard descriptors behaves as on the file behind each: a regular file gives
 * offsets (shared with whoever opened it), /dev/null always 0, a pipe or tty ESPIPE.
 * Raw read/lseek only: stdio's buffering would hide the offsets. Usage: sys-seek < FILE */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void seek(int fd, off_t off, int whence, const char *what) {
  errno = 0;
  off_t r = lseek(fd, off, whence);
  if (r < 0) printf("lseek(%d, %ld, %s) = -1 %s\n", fd, (long)off, what, strerror(errno));
  else printf("lseek(%d, %ld, %s) = %ld\n", fd, (long)off, what, (long)r);
}

static void rd(int n) {
  char buf[64];
  ssize_t got = read(0, buf, (size_t)n);
  printf("read(0, %d) = %ld", n, (long)got);
  if (got > 0) printf(" \"%.*s\"", (int)got, buf);
  printf("\n");
}

int main(void) {
  for (int fd = 0; fd < 3; fd++) seek(fd, 0, SEEK_CUR, "SEEK_CUR");
  rd(3);
  seek(0, 0, SEEK_CUR, "SEEK_CUR");
  seek(0, 1, SEEK_SET, "SEEK_SET");
  rd(3);
  seek(0, -2, SEEK_END, "SEEK_END");
  rd(10);
  seek(0, 4, SEEK_CUR, "SEEK_CUR");
  seek(0, -100, SEEK_SET, "SEEK_SET");
  seek(0, 0, SEEK_CUR, "SEEK_CUR");
  fflush(stdout);
  return 0;
}
