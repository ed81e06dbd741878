/* Job control: SIGSTOP/SIGTSTP stop every thread of a process, SIGCONT resumes it, SIGKILL kills
 * it stopped; waitpid with WUNTRACED/WCONTINUED and waitid with WSTOPPED/WCONTINUED/WNOWAIT report
 * it, and SIGCHLD tells the parent (CLD_STOPPED, CLD_CONTINUED) unless SA_NOCLDSTOP; kill(-pgrp,
 * SIGCONT) resumes a group; a stopped process group orphaned by its last outside parent's exit
 * gets SIGHUP and SIGCONT, and SIGTSTP no longer stops its processes. The parent prints; a child prints only while the parent waits for it.
 *
 * `proc-jobs exact` adds what qemu-riscv64 does differently from Linux: it does not pass
 * SA_NOCLDSTOP to its host, so the parent still gets (and queues) the stop's SIGCHLD.
 * `proc-jobs selfstop` stops the only process with no one to continue it (a shell would show it
 * stopped; hartscope ends the run with a deadlock report). */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static int exact;

/* What the workers and the parent share across fork (MAP_SHARED|MAP_ANONYMOUS). */
struct shared {
  volatile unsigned long count[3];
  volatile int ready[3];
  volatile int stop_me; /* thread 2 raises SIGSTOP when it sees this */
};
static struct shared *sh;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  fflush(stdout);
}

static const char *status_text(int st, char *buf, size_t n) {
  if (WIFEXITED(st)) snprintf(buf, n, "exited %d", WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) snprintf(buf, n, "killed by signal %d", WTERMSIG(st));
  else if (WIFSTOPPED(st)) snprintf(buf, n, "stopped by signal %d (0x%x)", WSTOPSIG(st), st);
  else if (WIFCONTINUED(st)) snprintf(buf, n, "continued (0x%x)", st);
  else snprintf(buf, n, "status 0x%x", st);
  return buf;
}

static void waited(const char *what, pid_t pid, int options) {
  int st = 0;
  pid_t got;
  do got = waitpid(pid, &st, options);
  while (got < 0 && errno == EINTR);
  char buf[80];
  if (got == 0) say("%s: nothing to report\n", what);
  else if (got != pid) say("%s: waitpid %d errno %d\n", what, got, errno);
  else say("%s: %s\n", what, status_text(st, buf, sizeof buf));
}

/* The SIGCHLD the parent has blocked: wait for the next one and say what it told. */
static void sigchld_says(const char *what, pid_t pid) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  siginfo_t si;
  int s = sigwaitinfo(&set, &si);
  const char *code = si.si_code == CLD_STOPPED     ? "CLD_STOPPED"
                     : si.si_code == CLD_CONTINUED ? "CLD_CONTINUED"
                     : si.si_code == CLD_KILLED    ? "CLD_KILLED"
                     : si.si_code == CLD_EXITED    ? "CLD_EXITED"
                                                   : "?";
  say("%s: SIGCHLD %d %s status %d from the child %d\n", what, s, code, si.si_status, si.si_pid == pid);
}

/* Forget the SIGCHLDs of children already waited for. */
static void drain_sigchld(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  struct timespec zero = {0, 0};
  while (sigtimedwait(&set, NULL, &zero) > 0) {
  }
}

static void *worker(void *arg) {
  long i = (long)arg;
  sh->ready[i] = 1;
  for (;;) {
    sh->count[i]++;
    if (i == 2 && sh->stop_me) {
      sh->stop_me = 0;
      raise(SIGSTOP); /* a thread's stop signal stops its whole process */
    }
  }
  return NULL;
}

static void snapshot(unsigned long *c) {
  for (int i = 0; i < 3; i++) c[i] = sh->count[i];
}

static int frozen(void) {
  unsigned long a[3], b[3];
  snapshot(a);
  usleep(30000);
  snapshot(b);
  return a[0] == b[0] && a[1] == b[1] && a[2] == b[2];
}

/* Wait until every one of the three threads has counted past where they were. */
static void all_advance(const char *what) {
  unsigned long a[3];
  snapshot(a);
  for (int i = 0; i < 3; i++)
    while (sh->count[i] == a[i]) usleep(1000);
  say("%s: all 3 threads run\n", what);
}

/* The state letter of /proc/<pid>/stat (after the parenthesized command name). */
static char proc_state(pid_t pid) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return '?';
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  return p && p[1] == ' ' ? p[2] : '?';
}

/* A child of three threads counting; SIGSTOP, SIGTSTP, a thread's own raise(SIGSTOP), SIGCONT, SIGKILL. */
static void three_threads(void) {
  memset((void *)sh, 0, sizeof *sh);
  /* A group of its own, with its parent outside it in the same session: not orphaned, so
   * SIGTSTP stops it however this program was started (in an orphaned group it would not). */
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    alarm(100); /* never outlives a parent that failed to kill it by spinning on forever */
    pthread_t t;
    pthread_create(&t, NULL, worker, (void *)1L);
    pthread_create(&t, NULL, worker, (void *)2L);
    worker((void *)0L);
  }
  setpgid(pid, pid);
  while (!sh->ready[0] || !sh->ready[1] || !sh->ready[2]) usleep(1000);
  all_advance("started");

  kill(pid, SIGSTOP);
  sigchld_says("SIGSTOP", pid);
  waited("waitpid WUNTRACED after SIGSTOP", pid, WUNTRACED);
  waited("waitpid WUNTRACED again", pid, WUNTRACED | WNOHANG);
  say("stopped: counters frozen %d\n", frozen());
  say("stopped: /proc/<pid>/stat state %c\n", proc_state(pid));
  kill(pid, SIGSTOP);
  waited("a second SIGSTOP: waitpid WUNTRACED", pid, WUNTRACED | WNOHANG);

  kill(pid, SIGCONT);
  sigchld_says("SIGCONT", pid);
  waited("waitpid WCONTINUED", pid, WCONTINUED);
  waited("waitpid WCONTINUED again", pid, WCONTINUED | WNOHANG);
  all_advance("continued");

  kill(pid, SIGTSTP);
  sigchld_says("SIGTSTP", pid);
  waited("waitpid WUNTRACED after SIGTSTP", pid, WUNTRACED);
  say("stopped: counters frozen %d\n", frozen());
  kill(pid, SIGCONT);
  sigchld_says("SIGCONT", pid);
  waited("waitpid WUNTRACED|WCONTINUED", pid, WUNTRACED | WCONTINUED);
  all_advance("continued");

  sh->stop_me = 1;
  sigchld_says("thread 2 raises SIGSTOP", pid);
  waited("waitpid WUNTRACED", pid, WUNTRACED);
  say("stopped by one thread: counters frozen %d\n", frozen());

  kill(pid, SIGTERM); /* stays pending while it is stopped */
  waited("SIGTERM to the stopped child: waitpid WNOHANG", pid, WNOHANG);
  kill(pid, SIGKILL);
  sigchld_says("SIGKILL while stopped", pid);
  waited("waitpid", pid, 0);
}

/* waitid: WSTOPPED with WNOWAIT leaves the report, WCONTINUED, then WEXITED. */
static void with_waitid(void) {
  int gate[2];
  pipe(gate);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(gate[1]);
    raise(SIGSTOP);
    read(gate[0], &c, 1); /* stays alive until its continue is reported */
    _exit(7);
  }
  close(gate[0]);
  siginfo_t si;
  const char *names[] = {"WSTOPPED|WNOWAIT", "WSTOPPED", "WSTOPPED|WNOHANG"};
  int opts[] = {WSTOPPED | WNOWAIT, WSTOPPED, WSTOPPED | WNOHANG};
  for (int i = 0; i < 3; i++) {
    memset(&si, 0, sizeof si);
    int r = waitid(P_PID, pid, &si, opts[i]);
    say("waitid %s: %d code %d status %d pid ok %d\n", names[i], r, si.si_code, si.si_status,
        si.si_pid == pid);
  }
  sigchld_says("stop", pid);
  kill(pid, SIGCONT);
  sigchld_says("SIGCONT", pid);
  memset(&si, 0, sizeof si);
  int r = waitid(P_PID, pid, &si, WCONTINUED);
  say("waitid WCONTINUED: %d code %d status %d\n", r, si.si_code, si.si_status);
  close(gate[1]);
  sigchld_says("exit", pid);
  memset(&si, 0, sizeof si);
  r = waitid(P_PID, pid, &si, WEXITED);
  say("waitid WEXITED: %d code %d status %d\n", r, si.si_code, si.si_status);
  r = waitid(P_PID, pid, &si, 0);
  say("waitid with none of WEXITED/WSTOPPED/WCONTINUED: %d errno %d\n", r, r < 0 ? errno : 0);
}

/* SA_NOCLDSTOP: no SIGCHLD for a stop or a continue, only for the end. */
static void nocldstop(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
  int gate[2];
  pipe(gate);
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(gate[1]);
    raise(SIGSTOP);
    read(gate[0], &c, 1);
    _exit(3);
  }
  close(gate[0]);
  waited("SA_NOCLDSTOP: waitpid WUNTRACED", pid, WUNTRACED);
  kill(pid, SIGCONT);
  waited("SA_NOCLDSTOP: waitpid WCONTINUED", pid, WCONTINUED);
  close(gate[1]);
  if (exact) {
    /* qemu-riscv64 does not pass SA_NOCLDSTOP to its host: it queues the stop's SIGCHLD */
    sigset_t pend;
    sigpending(&pend);
    say("SA_NOCLDSTOP: SIGCHLD pending %d\n", sigismember(&pend, SIGCHLD));
    sigchld_says("SA_NOCLDSTOP: exit", pid);
  }
  waited("SA_NOCLDSTOP: waitpid", pid, 0);
  drain_sigchld();
  sa.sa_flags = 0;
  sigaction(SIGCHLD, &sa, NULL);
}

/* Two stopped children in a group of their own: kill(-pgrp, SIGCONT) resumes both. */
static void group_continue(void) {
  pid_t a = fork();
  if (a == 0) {
    setpgid(0, 0);
    raise(SIGSTOP);
    _exit(1);
  }
  setpgid(a, a);
  pid_t b = fork();
  if (b == 0) {
    setpgid(0, a);
    raise(SIGSTOP);
    _exit(2);
  }
  setpgid(b, a);
  waited("group: first stopped", a, WUNTRACED);
  waited("group: second stopped", b, WUNTRACED);
  say("group: kill(-pgrp, SIGCONT) = %d\n", kill(-a, SIGCONT));
  waited("group: first", a, 0);
  waited("group: second", b, 0);
  drain_sigchld();
}

static volatile sig_atomic_t got_hup, got_cont;
static void on_hup(int s) { got_hup = 1; }
static void on_cont(int s) { got_cont = 1; }

/* A stopped process whose group loses its last parent outside it gets SIGHUP and SIGCONT. */
static void orphaned_group(void) {
  int fds[2];
  pipe(fds);
  pid_t middle = fork();
  if (middle == 0) {
    close(fds[0]);
    pid_t x = fork();
    if (x == 0) {
      setpgid(0, 0);
      signal(SIGHUP, on_hup);
      signal(SIGCONT, on_cont);
      raise(SIGSTOP);
      /* its group is orphaned now: SIGTSTP does nothing (SIGSTOP still would stop it) */
      raise(SIGTSTP);
      char line[80];
      int n = snprintf(line, sizeof line, "orphan: SIGHUP %d SIGCONT %d, and SIGTSTP did not stop it\n",
                       got_hup, got_cont);
      write(fds[1], line, n);
      _exit(0);
    }
    setpgid(x, x);
    int st;
    waitpid(x, &st, WUNTRACED);
    _exit(WIFSTOPPED(st) ? 0 : 1);
  }
  close(fds[1]);
  waited("orphan: the middle process", middle, 0);
  char buf[128];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) fwrite(buf, 1, n, stdout);
  fflush(stdout);
  close(fds[0]);
  drain_sigchld();
}

/* A blocked SIGTSTP is discarded by SIGCONT; a blocked SIGCONT by a stop signal (prepare_signal). */
static void discards(void) {
  int go[2], ready[2];
  pipe(go);
  pipe(ready);
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGTSTP);
    sigaddset(&set, SIGCONT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGCONT, on_cont);
    char c = 0;
    write(ready[1], &c, 1);
    read(go[0], &c, 1);
    sigpending(&pend);
    say("discards: after SIGTSTP, SIGCONT: TSTP pending %d, CONT pending %d\n",
        sigismember(&pend, SIGTSTP), sigismember(&pend, SIGCONT));
    write(ready[1], &c, 1);
    read(go[0], &c, 1);
    sigpending(&pend);
    say("discards: after SIGCONT, SIGTSTP: TSTP pending %d, CONT pending %d\n",
        sigismember(&pend, SIGTSTP), sigismember(&pend, SIGCONT));
    signal(SIGTSTP, SIG_IGN);
    _exit(0);
  }
  char c;
  read(ready[0], &c, 1);
  kill(pid, SIGTSTP);
  kill(pid, SIGCONT);
  write(go[1], &c, 1);
  read(ready[0], &c, 1);
  kill(pid, SIGCONT);
  kill(pid, SIGTSTP);
  write(go[1], &c, 1);
  waited("discards", pid, 0);
  drain_sigchld();
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "selfstop") == 0) {
    say("stopping myself\n");
    raise(SIGSTOP);
    say("continued\n");
    return 0;
  }
  exact = argc > 1 && strcmp(argv[1], "exact") == 0;
  sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  three_threads();
  with_waitid();
  nocldstop();
  group_continue();
  orphaned_group();
  discards();
  say("done\n");
  return 0;
}
