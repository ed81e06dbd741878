/* A dynamically linked PIE that runs again in new images: by execve of itself (the kernel maps
 * it, ld.so and libc.so.6 as before), through the dynamic loader run as the program
 * (`ld.so PROG`: ld.so is then the image, at the kernel's PIE address, and maps PROG at an
 * address of its own), and in a forked child that does not exec. The tracer's probes on PROG,
 * libc.so.6 and ld.so must fire in every one; each image says how often it ran tick() and
 * getppid(), so a trace can be checked against the program's own counts.
 * Usage: trace-exec N SELF   N more images after this one (N even: the next through ld.so);
 *                            SELF is this program's path (under ld.so /proc/self/exe is ld.so). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define LDSO "/lib/ld-linux-riscv64-lp64d.so.1"

static int ticks;

/* returns (no tail call to printf), so fbt has tick:return */
__attribute__((noinline)) int tick(int image) {
  if (getppid() < 0) abort();
  printf("tick image %d pid %d\n", image, getpid());
  return ++ticks;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: trace-exec N SELF\n");
    return 2;
  }
  int n = atoi(argv[1]);
  const char *self = argv[2];
  tick(n);
  tick(n);
  if (n == 1) {
    /* a child without exec: the parent's image, and its probes, go on in it */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
      tick(n);
      printf("image %d pid %d: %d ticks, %d getppid\n", n, getpid(), ticks - 2, ticks - 2);
      exit(0);
    }
    waitpid(pid, NULL, 0);
  }
  printf("image %d pid %d: %d ticks, %d getppid\n", n, getpid(), ticks, ticks);
  fflush(stdout);
  if (n == 0) return 0;
  char next[16];
  snprintf(next, sizeof next, "%d", n - 1);
  if (n % 2 == 0) execl(LDSO, LDSO, self, next, self, (char *)NULL);
  else execl(self, self, next, self, (char *)NULL);
  perror("execl");
  return 1;
}
