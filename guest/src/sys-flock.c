// flock(2) between open file descriptions, as Go programs (and go build's own cache) use it:
// conflicts between two opens of one file, a dup sharing its description's lock, shared locks,
// conversion (which drops the lock first), release on the last close, a fork's child blocking
// until its parent unlocks, and errors. Compared with qemu-riscv64 (the host kernel's flock).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *PATH = "sys-flock.tmp";

static void try(const char *what, int fd, int op) {
  int r = flock(fd, op);
  printf("%s: %d%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerrorname_np(errno) : "");
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int a = open(PATH, O_RDWR | O_CREAT | O_TRUNC, 0600);
  int b = open(PATH, O_RDONLY);
  try("a exclusive", a, LOCK_EX);
  try("b exclusive, non-blocking", b, LOCK_EX | LOCK_NB);
  try("b shared, non-blocking", b, LOCK_SH | LOCK_NB);
  int a2 = dup(a);
  try("a's dup exclusive (same description)", a2, LOCK_EX | LOCK_NB);
  try("a unlocks", a, LOCK_UN);
  try("b exclusive now", b, LOCK_EX | LOCK_NB);
  try("a exclusive, non-blocking", a, LOCK_EX | LOCK_NB);
  close(b);
  try("a exclusive after b closed", a, LOCK_EX | LOCK_NB);
  close(a2);
  try("a still holds it after its dup closed: relock", a, LOCK_EX | LOCK_NB);
  int c = open(PATH, O_RDONLY);
  try("c shared while a is exclusive", c, LOCK_SH | LOCK_NB);
  try("a downgrades to shared", a, LOCK_SH);
  try("c shared", c, LOCK_SH | LOCK_NB);
  try("a upgrades to exclusive, non-blocking", a, LOCK_EX | LOCK_NB);
  try("c unlocks", c, LOCK_UN);
  int d = open(PATH, O_RDONLY);
  // the failed upgrade dropped a's shared lock first (flock(2): conversion is not atomic)
  try("d exclusive: a lost its lock in the failed upgrade", d, LOCK_EX | LOCK_NB);
  close(d);
  close(c);

  // a child blocks until its parent unlocks; a pipe orders the two reports
  try("a exclusive before fork", a, LOCK_EX);
  int order[2];
  pipe(order);
  pid_t pid = fork();
  if (pid == 0) {
    try("child, a inherited (same description)", a, LOCK_EX | LOCK_NB);
    int e = open(PATH, O_RDONLY);
    try("child, own open, non-blocking", e, LOCK_SH | LOCK_NB);
    write(order[1], "x", 1);
    try("child, own open, blocking until the parent unlocks", e, LOCK_SH);
    _exit(0);
  }
  char x;
  read(order[0], &x, 1);
  usleep(20000);
  printf("parent unlocks\n");
  flock(a, LOCK_UN);
  int status;
  waitpid(pid, &status, 0);
  printf("child exited %d\n", WEXITSTATUS(status));

  try("bad operation", a, LOCK_SH | LOCK_EX);
  try("no operation", a, LOCK_NB);
  try("closed descriptor", 99, LOCK_EX);
  close(a);
  unlink(PATH);
  return 0;
}
