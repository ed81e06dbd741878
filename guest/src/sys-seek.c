/* lseek on the standard descriptors behaves as on the file behind each: a regular file gives
 * offsets (shared with whoever opened it), /dev/null always 0, a pipe or tty ESPIPE.
 * Raw read/lseek only: stdio's buffering would hide the offsets. Usage: sys-seek < FILE
 *   sys-seek share < FILE   the offset of stdin is one with a forked child's, a dup's, and the
 *                           shell's after exit: `(sys-seek share; cat) < FILE` cats from offset 6
 *   sys-seek out > FILE     writes, seeks back and overwrites stdout; `(sys-seek out; echo X) > FILE`
 *                           leaves 012abX and a newline, then 789 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* main's output with stdout a pipe: unbuffered, so a forked child's lines come in order */
static void say(const char *s) {
  fputs(s, stdout);
  fflush(stdout);
}

static int share(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  rd(3);
  pid_t pid = fork();
  if (pid == 0) {
    say("child: ");
    seek(0, 8, SEEK_SET, "SEEK_SET");
    say("child: ");
    rd(2);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  say("parent after child: ");
  seek(0, 0, SEEK_CUR, "SEEK_CUR");
  rd(2);
  int d = dup(0);
  say("dup: ");
  seek(d, 4, SEEK_SET, "SEEK_SET");
  say("fd 0 after dup's seek: ");
  seek(0, 0, SEEK_CUR, "SEEK_CUR");
  close(d);
  /* /dev/stdin of a regular file opens the file anew (Linux's /proc/self/fd links): its own offset */
  int again = open("/dev/stdin", O_RDONLY);
  char buf[4] = {0};
  ssize_t got = read(again, buf, 3);
  printf("open(/dev/stdin) read 3 = %ld \"%s\", its offset %ld, fd 0's %ld\n", (long)got, buf,
         (long)lseek(again, 0, SEEK_CUR), (long)lseek(0, 0, SEEK_CUR));
  close(again);
  seek(0, 6, SEEK_SET, "SEEK_SET");
  return 0;
}

static int out(void) {
  if (write(1, "0123456789", 10) != 10) return 1;
  if (lseek(1, 3, SEEK_SET) != 3) return 2;
  if (write(1, "ab", 2) != 2) return 3;
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "share") == 0) return share();
  if (argc > 1 && strcmp(argv[1], "out") == 0) return out();
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
