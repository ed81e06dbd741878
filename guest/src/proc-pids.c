/* Three processes that write: this one, a forked child, and a forked child that execs BINDIR/hello.
 * Each line names the process it is about, so a tracer's per-process pid, ppid and execname can
 * be checked against the program's own getpid()/getppid().  Usage: proc-pids BINDIR */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  printf("parent pid %d ppid %d\n", getpid(), getppid());
  fflush(stdout);
  pid_t a = fork();
  if (a == 0) {
    printf("child pid %d ppid %d\n", getpid(), getppid());
    fflush(stdout);
    _exit(0);
  }
  waitpid(a, NULL, 0);
  pid_t b = fork();
  if (b == 0) {
    char path[4096];
    snprintf(path, sizeof path, "%s/hello", dir);
    char *args[] = {path, NULL};
    execv(path, args);
    _exit(127);
  }
  int st;
  waitpid(b, &st, 0);
  printf("exec child pid %d ppid %d status %d\n", b, getpid(), WEXITSTATUS(st));
  fflush(stdout);
  return 0;
}
