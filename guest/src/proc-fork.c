/* Processes without exec: fork and wait with exit statuses and signals, copy-on-write memory,
 * waitpid WNOHANG, waitid, SIGCHLD, kill between processes and to a process group, getppid,
 * setpgid/getpgid/setsid, a bounded fork tree, and forks from a parent that runs threads.
 * Output is printed by one process at a time (children before the parent reaps them), so it is
 * the same whatever order a kernel runs them in. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void describe(const char *what, int status) {
  if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
  else if (WIFSIGNALED(status)) printf("%s: killed by signal %d%s\n", what, WTERMSIG(status), WCOREDUMP(status) ? " (core)" : "");
  else printf("%s: status 0x%x\n", what, status);
  fflush(stdout);
}

static pid_t spawn_exit(int code) {
  pid_t pid = fork();
  if (pid == 0) _exit(code);
  return pid;
}

static void statuses(void) {
  int codes[] = {0, 1, 42, 255, 256 + 7};
  for (unsigned i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    int st;
    pid_t pid = spawn_exit(codes[i]);
    pid_t got = waitpid(pid, &st, 0);
    char what[64];
    snprintf(what, sizeof what, "exit(%d) same pid %d", codes[i], got == pid);
    describe(what, st);
  }
  /* killed by a signal it sends itself, by its parent, and by SIGKILL */
  int st;
  pid_t pid = fork();
  if (pid == 0) {
    raise(SIGUSR1);
    _exit(99);
  }
  waitpid(pid, &st, 0);
  describe("raise(SIGUSR1)", st);

  int gate[2];
  pipe(gate);
  pid = fork();
  if (pid == 0) {
    char c;
    close(gate[1]);
    read(gate[0], &c, 1); /* blocks until killed */
    _exit(98);
  }
  close(gate[0]);
  kill(pid, SIGTERM);
  waitpid(pid, &st, 0);
  describe("kill(SIGTERM) while blocked", st);
  close(gate[1]);

  pid = fork();
  if (pid == 0) {
    for (;;) {
    }
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  describe("kill(SIGKILL) while spinning", st);

  /* a handled signal does not end it; an ignored one neither */
  pid = fork();
  if (pid == 0) {
    signal(SIGTERM, SIG_IGN);
    raise(SIGTERM);
    _exit(5);
  }
  waitpid(pid, &st, 0);
  describe("ignored SIGTERM", st);
}

static int shared_value = 100;

static void copy_on_write(void) {
  enum { N = 256 * 1024 };
  char *big = malloc(N);
  memset(big, 'p', N);
  int st;
  pid_t pid = fork();
  if (pid == 0) {
    shared_value = 200;
    memset(big, 'c', N / 2);
    printf("child sees %d, big[0]=%c big[%d]=%c\n", shared_value, big[0], N - 1, big[N - 1]);
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, &st, 0);
  printf("parent sees %d, big[0]=%c big[%d]=%c\n", shared_value, big[0], N - 1, big[N - 1]);
  /* the parent writes after the child is gone: its frames are its own again */
  big[0] = 'q';
  shared_value++;
  printf("parent wrote: %d %c\n", shared_value, big[0]);
  fflush(stdout);
  free(big);
}

static void nohang(void) {
  int p[2], st;
  pipe(p);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(p[1]);
    ssize_t n = read(p[0], &c, 1);
    _exit(n == 1 ? c - '0' : 50);
  }
  close(p[0]);
  pid_t r = waitpid(pid, &st, WNOHANG);
  printf("WNOHANG before: %d\n", r);
  write(p[1], "7", 1);
  close(p[1]);
  int polls = 0;
  while ((r = waitpid(-1, &st, WNOHANG)) == 0) {
    polls++;
    usleep(1000);
  }
  printf("WNOHANG after: same pid %d, polled %s\n", r == pid, polls >= 0 ? "yes" : "no");
  describe("nohang child", st);
  errno = 0;
  r = waitpid(-1, &st, WNOHANG);
  printf("no children: %d errno %s\n", r, strerror(errno));
  fflush(stdout);
}

static volatile sig_atomic_t chld_count;
static volatile sig_atomic_t chld_pid_ok;
static pid_t last_child;

static void on_chld(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  chld_count++;
  chld_pid_ok = sig == SIGCHLD && si->si_pid == last_child && si->si_code == CLD_EXITED && si->si_status == 3;
}

static void sigchld_and_waitid(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGCHLD);
  sigprocmask(SIG_BLOCK, &block, &old);
  last_child = spawn_exit(3);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  waitid(P_PID, last_child, &si, WEXITED | WNOWAIT);
  printf("waitid WNOWAIT: signo %d code %d status %d pid ok %d\n", si.si_signo, si.si_code, si.si_status,
         si.si_pid == last_child);
  memset(&si, 0, sizeof si);
  waitid(P_ALL, 0, &si, WEXITED);
  printf("waitid: code %d status %d pid ok %d\n", si.si_code, si.si_status, si.si_pid == last_child);
  sigsuspend(&old); /* the pending SIGCHLD runs its handler */
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("SIGCHLD handled %d times, siginfo ok %d\n", (int)chld_count, (int)chld_pid_ok);
  signal(SIGCHLD, SIG_DFL);

  /* killed child: waitid reports CLD_KILLED and the signal */
  pid_t pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  kill(pid, SIGUSR2);
  memset(&si, 0, sizeof si);
  waitid(P_PID, pid, &si, WEXITED);
  printf("waitid killed: code %d (CLD_KILLED %d) status %d\n", si.si_code, CLD_KILLED, si.si_status);

  /* SIG_IGN for SIGCHLD: children are reaped by themselves; wait then fails with ECHILD */
  signal(SIGCHLD, SIG_IGN);
  pid = spawn_exit(1);
  int st;
  errno = 0;
  pid_t r = waitpid(pid, &st, 0);
  printf("SIGCHLD ignored: waitpid %d errno %s\n", r, strerror(errno));
  signal(SIGCHLD, SIG_DFL);
  fflush(stdout);
}

static void ids_and_groups(void) {
  pid_t me = getpid();
  int p[2], st;
  pipe(p);
  pid_t pid = fork();
  if (pid == 0) {
    int ok = getppid() == me && getpgid(0) == getpgid(me) && getsid(0) == getsid(me);
    int leader = setpgid(0, 0) == 0 && getpgid(0) == getpid();
    pid_t sid = setsid();
    int session = sid == getpid() && getsid(0) == getpid() && getpgid(0) == getpid();
    errno = 0;
    int again = setsid() == -1 && errno == EPERM;
    char line[128];
    int n = snprintf(line, sizeof line, "child ids: parent ok %d, own group %d, new session %d, setsid again EPERM %d\n",
                     ok, leader, session, again);
    write(p[1], line, n);
    _exit(0);
  }
  close(p[1]);
  char buf[256];
  ssize_t n = read(p[0], buf, sizeof buf);
  waitpid(pid, &st, 0);
  fwrite(buf, 1, n > 0 ? n : 0, stdout);
  errno = 0;
  printf("getpgid(no such pid): %d %s\n", getpgid(999999), strerror(errno));

  /* kill(-pgid) reaches every member of a group */
  pid_t kids[3];
  pid_t group = 0;
  for (int i = 0; i < 3; i++) {
    kids[i] = fork();
    if (kids[i] == 0) {
      setpgid(0, group);
      for (;;) pause();
    }
    if (i == 0) group = kids[0];
    setpgid(kids[i], group); /* both sides set it: no race */
  }
  printf("group members share pgid: %d\n", getpgid(kids[1]) == group && getpgid(kids[2]) == group);
  kill(-group, SIGHUP);
  int killed = 0;
  for (int i = 0; i < 3; i++) {
    waitpid(kids[i], &st, 0);
    killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGHUP;
  }
  errno = 0;
  int r = kill(-group, 0);
  printf("kill(-pgid, SIGHUP) killed %d of 3; group gone: %d %s\n", killed, r, strerror(errno));
  errno = 0;
  r = kill(999999, SIGTERM);
  printf("kill(no such pid): %d %s\n", r, strerror(errno));
  fflush(stdout);
}

/* every process forks two until depth 0; each returns 1 + its subtree's count as exit status */
static int tree(int depth) {
  if (depth == 0) return 1;
  int total = 1;
  pid_t kids[2];
  for (int i = 0; i < 2; i++) {
    kids[i] = fork();
    if (kids[i] < 0) return 0;
    if (kids[i] == 0) _exit(tree(depth - 1));
  }
  for (int i = 0; i < 2; i++) {
    int st;
    waitpid(kids[i], &st, 0);
    total += WEXITSTATUS(st);
  }
  return total;
}

static volatile int stop_threads;
static void *spinner(void *arg) {
  long *n = arg;
  while (!stop_threads) (*n)++;
  return NULL;
}

static void threads_and_fork(void) {
  pthread_t t[2];
  long counts[2] = {0, 0};
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, spinner, &counts[i]);
  int st;
  /* the child has only the forking thread */
  pid_t pid = fork();
  if (pid == 0) {
    long before = counts[0];
    usleep(2000);
    _exit(counts[0] == before ? 11 : 12);
  }
  waitpid(pid, &st, 0);
  describe("child of a threaded parent (11: no threads copied)", st);
  stop_threads = 1;
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("threads ran: %d\n", counts[0] > 0 && counts[1] > 0);
  fflush(stdout);
}

int main(int argc, char **argv) {
  int depth = argc > 1 ? atoi(argv[1]) : 5;
  setvbuf(stdout, NULL, _IOFBF, 4096);
  statuses();
  copy_on_write();
  nohang();
  sigchld_and_waitid();
  ids_and_groups();
  int n = tree(depth);
  printf("fork tree of depth %d: %d processes\n", depth, n);
  threads_and_fork();
  /* unflushed stdio is copied by fork: both print it */
  printf("buffered before fork ");
  pid_t pid = fork();
  if (pid == 0) {
    printf("(child)\n");
    return 0; /* exit flushes */
  }
  int st;
  waitpid(pid, &st, 0);
  printf("(parent)\n");
  return 0;
}
