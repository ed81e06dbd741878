/* Processes with exec: a pipeline parent | child through pipe + dup2 + execve, vfork + exec,
 * close-on-exec descriptors, signal dispositions and the mask across exec, exec from a thread of
 * a threaded process, and the errors of execve (ENOENT, EACCES, ENOEXEC).
 *
 *   proc-exec BINDIR            run every part; BINDIR holds hello, wc, exit42 and proc-exec
 *   proc-exec checkfd FD...     (exec'd) say which of the descriptors are open
 *   proc-exec sigcheck          (exec'd) say what SIGUSR1/SIGUSR2 do and whether SIGINT is blocked
 *   proc-exec pidcheck PID      (exec'd) say whether getpid() is PID
 *   proc-exec spawnloop N DIR   N times fork, exec DIR/exit42, wait (bench/processes.ts)
 *   proc-exec forkloop N        N times fork, _exit(42), wait
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static const char *bindir;

static void describe(const char *what, int status) {
  if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) printf("%s: killed by signal %d\n", what, WTERMSIG(status));
  fflush(stdout);
}

static char *prog(const char *name) {
  static char buf[4][512];
  static int next;
  char *b = buf[next++ % 4];
  snprintf(b, 512, "%s/%s", bindir, name);
  return b;
}

static void pipeline(void) {
  int p[2];
  pipe(p);
  pid_t a = fork();
  if (a == 0) {
    dup2(p[1], 1);
    close(p[0]);
    close(p[1]);
    char *argv[] = {"hello", "through", "a pipe", NULL};
    execve(prog("hello"), argv, environ);
    _exit(127);
  }
  pid_t b = fork();
  if (b == 0) {
    dup2(p[0], 0);
    close(p[0]);
    close(p[1]);
    dup2(1, 2); /* wc's counts go to stdout too */
    char *argv[] = {"wc", NULL};
    execve(prog("wc"), argv, environ);
    _exit(127);
  }
  close(p[0]);
  close(p[1]);
  /* both before printing: the reader writes to our stdout until it ends */
  int sa, sb;
  waitpid(a, &sa, 0);
  waitpid(b, &sb, 0);
  describe("writer (hello)", sa);
  describe("reader (wc)", sb);
}

static void vfork_exec(void) {
  int st;
  pid_t pid = vfork();
  if (pid == 0) {
    char *argv[] = {"exit42", NULL};
    execve(prog("exit42"), argv, environ);
    _exit(126);
  }
  waitpid(pid, &st, 0);
  describe("vfork + exec exit42", st);
  /* (whether the child's stores reach the parent is not compared: Linux shares the memory until
   * exec or exit, qemu-riscv64 makes vfork a fork) */
  pid = vfork();
  if (pid == 0) _exit(3);
  waitpid(pid, &st, 0);
  describe("vfork + _exit(3)", st);
}

static void cloexec(void) {
  int p[2], q[2];
  pipe2(p, O_CLOEXEC);
  pipe(q);
  dup3(p[0], 40, O_CLOEXEC);
  dup2(q[0], 41);
  int fd42 = dup(q[1]);
  dup2(fd42, 42);
  fcntl(42, F_SETFD, FD_CLOEXEC);
  fcntl(42, F_SETFD, 0); /* and back */
  int fd43 = fcntl(q[1], F_DUPFD_CLOEXEC, 43);
  printf("F_DUPFD_CLOEXEC gave %d, flags %d\n", fd43, fcntl(fd43, F_GETFD));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {"proc-exec", "checkfd", "40", "41", "42", "43", NULL};
    execve(prog("proc-exec"), argv, environ);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  describe("checkfd", st);
  close(40), close(41), close(42), close(43), close(fd42);
  close(p[0]), close(p[1]), close(q[0]), close(q[1]);
}

static void on_usr1(int sig) { (void)sig; }

static void signals_across_exec(void) {
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigprocmask(SIG_BLOCK, &set, NULL);
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {"proc-exec", "sigcheck", NULL};
    execve(prog("proc-exec"), argv, environ);
    _exit(127);
  }
  int st;
  waitpid(pid, &st, 0);
  describe("sigcheck", st);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  signal(SIGUSR1, SIG_DFL);
  signal(SIGUSR2, SIG_DFL);
}

static void *exec_from_thread(void *arg) {
  char pidtext[32];
  snprintf(pidtext, sizeof pidtext, "%d", (int)getpid());
  char *argv[] = {"proc-exec", "pidcheck", pidtext, NULL};
  execve(prog("proc-exec"), argv, environ);
  (void)arg;
  _exit(127);
}

static void *spin(void *arg) {
  for (;;) (*(volatile long *)arg)++;
  return NULL;
}

static void threaded_exec(void) {
  pid_t pid = fork();
  if (pid == 0) {
    static long n;
    pthread_t t1, t2;
    pthread_create(&t1, NULL, spin, &n);
    pthread_create(&t2, NULL, exec_from_thread, NULL);
    for (;;) pause();
  }
  int st;
  waitpid(pid, &st, 0);
  describe("exec from a second thread", st);
}

static void errors(void) {
  char *argv[] = {"x", NULL};
  errno = 0;
  execve("./no-such-program", argv, environ);
  printf("missing file: %s\n", strerror(errno));
  errno = 0;
  execve(".", argv, environ);
  printf("directory: %s\n", strerror(errno));
  int fd = open("not-executable", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  write(fd, "#!/bin/sh\n", 10);
  close(fd);
  errno = 0;
  execve("./not-executable", argv, environ);
  printf("no execute permission: %s\n", strerror(errno));
  fd = open("garbage", O_CREAT | O_WRONLY | O_TRUNC, 0755);
  write(fd, "\x01\x02\x03 not a program\n", 18);
  close(fd);
  errno = 0;
  execve("./garbage", argv, environ);
  printf("neither ELF nor script: %s\n", strerror(errno));
  errno = 0;
  execve("./no-dir/x", argv, environ);
  printf("missing directory: %s\n", strerror(errno));
  unlink("not-executable");
  unlink("garbage");
  fflush(stdout);
}

static int checkfd(int argc, char **argv) {
  for (int i = 2; i < argc; i++) {
    int fd = atoi(argv[i]);
    int flags = fcntl(fd, F_GETFD);
    printf("  fd %d: %s\n", fd, flags < 0 ? "closed" : "open");
  }
  return 0;
}

static int sigcheck(void) {
  struct sigaction sa;
  sigaction(SIGUSR1, NULL, &sa);
  printf("  SIGUSR1 handler after exec: %s\n", sa.sa_handler == SIG_DFL ? "default" : "other");
  sigaction(SIGUSR2, NULL, &sa);
  printf("  SIGUSR2 after exec: %s\n", sa.sa_handler == SIG_IGN ? "ignored" : "other");
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  printf("  SIGINT still blocked: %d\n", sigismember(&cur, SIGINT));
  return 0;
}

static int pidcheck(const char *want) {
  printf("  pid kept: %d\n", getpid() == atoi(want));
  return 9;
}

/* the benchmark's loops (bench/processes.ts): N times fork + exec BINDIR/exit42 + wait, or fork + wait */
static int loop(int n, const char *dir) {
  int ok = 0;
  for (int i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      if (dir) {
        bindir = dir;
        char *args[] = {"exit42", NULL};
        execve(prog("exit42"), args, environ);
        _exit(127);
      }
      _exit(42);
    }
    int st;
    waitpid(pid, &st, 0);
    ok += WIFEXITED(st) && WEXITSTATUS(st) == 42;
  }
  printf("%d of %d children exited 42\n", ok, n);
  return ok == n ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc > 3 && strcmp(argv[1], "spawnloop") == 0) return loop(atoi(argv[2]), argv[3]);
  if (argc > 2 && strcmp(argv[1], "forkloop") == 0) return loop(atoi(argv[2]), NULL);
  if (argc > 1 && strcmp(argv[1], "checkfd") == 0) return checkfd(argc, argv);
  if (argc > 1 && strcmp(argv[1], "sigcheck") == 0) return sigcheck();
  if (argc > 2 && strcmp(argv[1], "pidcheck") == 0) return pidcheck(argv[2]);
  if (argc < 2) {
    fprintf(stderr, "usage: proc-exec BINDIR\n");
    return 2;
  }
  bindir = argv[1];
  setvbuf(stdout, NULL, _IOLBF, 0);
  pipeline();
  vfork_exec();
  cloexec();
  signals_across_exec();
  threaded_exec();
  errors();
  return 0;
}
