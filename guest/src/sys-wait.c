// eventfd, epoll and timerfd: results that Linux (under qemu-riscv64) and hartscope must agree on,
// whatever the speed of either: counts, errors and orders, never times. With the argument
// beyond-qemu it also runs what qemu-riscv64 7.2 gets wrong: epoll_pwait2, which it lacks (ENOSYS),
// and signalfd4 with a bad mask size, which it accepts (Linux: EINVAL).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static long rd64(int fd, uint64_t *v) { return read(fd, v, 8); }
static long wr64(int fd, uint64_t v) { return write(fd, &v, 8); }

static int efd_shared;
static void *writer(void *arg) {
  // the main thread is blocked in read (or epoll_wait) by now, or soon will be: either way it wakes
  for (int i = 0; i < 3; i++) sched_yield();
  wr64(efd_shared, (uint64_t)(uintptr_t)arg);
  return NULL;
}

static void eventfd_tests(void) {
  uint64_t v = 0;
  int fd = eventfd(5, EFD_NONBLOCK | EFD_CLOEXEC);
  show("eventfd", fd >= 0 ? 0 : -1);
  printf("cloexec %d nonblock %d\n", !!(fcntl(fd, F_GETFD) & FD_CLOEXEC), !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
  show("read 4 bytes", read(fd, &v, 4));
  show("read", rd64(fd, &v));
  printf("value %llu\n", (unsigned long long)v);
  show("read empty", rd64(fd, &v));
  show("write 7", wr64(fd, 7));
  show("write 3", wr64(fd, 3));
  show("write all ones", wr64(fd, UINT64_MAX));
  show("write 2 bytes", write(fd, &v, 2));
  show("write to the brim", wr64(fd, UINT64_MAX - 1 - 10));
  show("write one more", wr64(fd, 1));
  show("read", rd64(fd, &v));
  printf("value %llu\n", (unsigned long long)v);
  close(fd);

  fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
  for (int i = 0; i < 4; i++) {
    v = 0;
    long r = rd64(fd, &v);
    printf("semaphore read %d: %ld %s value %llu\n", i, r, r < 0 ? strerrorname_np(errno) : "", (unsigned long long)v);
  }
  close(fd);
  show("eventfd bad flags", eventfd(0, 0x40));

  // a blocking read woken by another thread's write
  efd_shared = eventfd(0, 0);
  pthread_t th;
  pthread_create(&th, NULL, writer, (void *)(uintptr_t)42);
  show("blocking read", rd64(efd_shared, &v));
  printf("value %llu\n", (unsigned long long)v);
  pthread_join(th, NULL);
  close(efd_shared);
}

static void print_events(const char *what, int n, struct epoll_event *ev) {
  printf("%s: %d", what, n);
  if (n < 0) printf(" %s", strerrorname_np(errno));
  for (int i = 0; i < n; i++) printf(" [data %llu events 0x%x]", (unsigned long long)ev[i].data.u64, ev[i].events);
  printf("\n");
}

static void epoll_tests(int pwait2) {
  struct epoll_event ev, out[8];
  int ep = epoll_create1(EPOLL_CLOEXEC);
  printf("epoll cloexec %d\n", !!(fcntl(ep, F_GETFD) & FD_CLOEXEC));
  show("epoll_create1 bad flags", epoll_create1(1));
  int p[2];
  pipe(p);
  int efd = eventfd(0, EFD_NONBLOCK);
  int reg = open("/proc/self/exe", O_RDONLY);
  ev.events = EPOLLIN;
  ev.data.u64 = 1;
  show("add pipe read end", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  show("add it again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
  ev.events = EPOLLOUT;
  ev.data.u64 = 2;
  show("add pipe write end", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
  ev.events = EPOLLIN;
  ev.data.u64 = 3;
  show("add eventfd", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
  show("add a regular file", epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev));
  show("add epoll to itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
  show("add a bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev));
  show("ctl on a non-epoll", epoll_ctl(efd, EPOLL_CTL_ADD, p[0], &ev));
  show("mod missing", epoll_ctl(ep, EPOLL_CTL_MOD, reg, &ev));
  show("bad op", epoll_ctl(ep, 9, p[0], &ev));
  int n = epoll_wait(ep, out, 8, 0);
  print_events("only the write end", n, out);
  show("maxevents 0", epoll_wait(ep, out, 0, 0));
  write(p[1], "abc", 3);
  wr64(efd, 1);
  print_events("all three", epoll_wait(ep, out, 8, 0), out);
  print_events("max 2", epoll_wait(ep, out, 2, 0), out);
  char buf[8];
  read(p[0], buf, 3);
  uint64_t v;
  rd64(efd, &v);
  show("del write end", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
  show("del again", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
  print_events("none ready, 30 ms timeout", epoll_wait(ep, out, 8, 30), out);

  // edge-triggered: reported once per write
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = 11;
  show("mod pipe to edge", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
  write(p[1], "x", 1);
  print_events("edge after a write", epoll_wait(ep, out, 8, 0), out);
  print_events("edge again, no write", epoll_wait(ep, out, 8, 0), out);
  write(p[1], "y", 1);
  print_events("edge after another write", epoll_wait(ep, out, 8, 0), out);
  read(p[0], buf, 1);
  print_events("edge after a partial read", epoll_wait(ep, out, 8, 0), out);
  read(p[0], buf, 1);

  // one-shot: reported once until re-armed with MOD
  ev.events = EPOLLIN | EPOLLONESHOT;
  ev.data.u64 = 33;
  show("mod eventfd to one-shot", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev));
  wr64(efd, 2);
  print_events("one-shot", epoll_wait(ep, out, 8, 0), out);
  print_events("one-shot, disabled", epoll_wait(ep, out, 8, 0), out);
  show("re-arm", epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev));
  print_events("re-armed", epoll_wait(ep, out, 8, 0), out);
  rd64(efd, &v);

  // hang-up: the write end closes
  close(p[1]);
  ev.events = EPOLLIN;
  ev.data.u64 = 12;
  epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
  print_events("hang-up", epoll_wait(ep, out, 8, 0), out);
  epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
  close(p[0]);

  // a write end whose reader is gone: EPOLLERR
  pipe(p);
  ev.events = EPOLLOUT;
  ev.data.u64 = 21;
  epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
  close(p[0]);
  print_events("reader gone", epoll_wait(ep, out, 8, 0), out);
  epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);
  close(p[1]);

  // blocking epoll_wait woken by another thread's write to the eventfd
  efd_shared = efd;
  ev.events = EPOLLIN;
  ev.data.u64 = 44;
  epoll_ctl(ep, EPOLL_CTL_MOD, efd, &ev);
  pthread_t th;
  pthread_create(&th, NULL, writer, (void *)(uintptr_t)5);
  print_events("blocking wait", epoll_wait(ep, out, 8, -1), out);
  pthread_join(th, NULL);
  rd64(efd, &v);
  printf("value %llu\n", (unsigned long long)v);

  // epoll_pwait2 with a timeout, nothing ready
  struct timespec ts = {0, 20 * 1000 * 1000};
  if (pwait2) {
    print_events("pwait2 20 ms", epoll_pwait2(ep, out, 8, &ts, NULL), out);
  ts.tv_nsec = -1;
    print_events("pwait2 bad timespec", epoll_pwait2(ep, out, 8, &ts, NULL), out);
    ts.tv_nsec = 0;
    print_events("pwait2 zero", epoll_pwait2(ep, out, 8, &ts, NULL), out);
  }
  print_events("wait on a non-epoll", epoll_wait(efd, out, 8, 0), out);

  // an item lives as long as its file, not its descriptor: a dup keeps it reporting
  wr64(efd, 4);
  int dupped = dup(efd);
  close(efd);
  print_events("descriptor closed, a dup left", epoll_wait(ep, out, 8, 0), out);
  efd = dupped;
  rd64(efd, &v);

  // nested: an epoll that watches this one
  int outer = epoll_create1(0);
  ev.events = EPOLLIN;
  ev.data.u64 = 99;
  show("add epoll to another", epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev));
  print_events("outer, nothing ready", epoll_wait(outer, out, 8, 0), out);
  wr64(efd, 1);
  print_events("outer, inner ready", epoll_wait(outer, out, 8, 0), out);
  close(outer);
  close(efd);
  close(reg);
  close(ep);
}

static volatile int handled;
static void on_usr1(int sig) { handled++; }
static pthread_t main_thread;
static void *signaller(void *arg) {
  for (int i = 0; i < 3; i++) sched_yield();
  pthread_kill(main_thread, SIGUSR1);
  return NULL;
}

// epoll_pwait's mask is in force during the wait only
static void pwait_mask_tests(void) {
  signal(SIGUSR1, on_usr1);
  sigset_t block, open_mask, now;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &block, NULL);
  sigemptyset(&open_mask);
  main_thread = pthread_self();
  int ep = epoll_create1(0);
  struct epoll_event out[2];
  pthread_t th;
  pthread_create(&th, NULL, signaller, NULL);
  print_events("pwait, SIGUSR1 let in", epoll_pwait(ep, out, 2, -1, &open_mask), out);
  pthread_join(th, NULL);
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  printf("handled %d, blocked again %d\n", handled, sigismember(&now, SIGUSR1));
  pthread_create(&th, NULL, signaller, NULL);
  print_events("pwait, SIGUSR1 kept out, 30 ms", epoll_pwait(ep, out, 2, 30, &block), out);
  pthread_join(th, NULL);
  sigpending(&now);
  printf("handled %d, pending %d\n", handled, sigismember(&now, SIGUSR1));
  print_events("pwait, pending SIGUSR1 let in", epoll_pwait(ep, out, 2, -1, &open_mask), out);
  printf("handled %d\n", handled);
  print_events("pwait, bad sigset size", (int)syscall(SYS_epoll_pwait, ep, out, 2, 0, &open_mask, 4), out);
  pthread_sigmask(SIG_UNBLOCK, &block, NULL);
  close(ep);
}

static int timer_shared;
static void *rearm(void *arg) {
  for (int i = 0; i < 3; i++) sched_yield();
  struct itimerspec its = {{0, 0}, {0, 60 * 1000 * 1000}};
  timerfd_settime(timer_shared, 0, &its, NULL);
  return NULL;
}

static void timerfd_tests(void) {
  show("timerfd bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
  show("timerfd bad flags", timerfd_create(CLOCK_MONOTONIC, 1));
  int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  printf("cloexec %d\n", !!(fcntl(t, F_GETFD) & FD_CLOEXEC));
  uint64_t v = 0;
  show("read disarmed", rd64(t, &v));
  struct itimerspec its = {{0, 0}, {10, 0}}, old;
  show("settime 10 s", timerfd_settime(t, 0, &its, NULL));
  struct itimerspec cur;
  timerfd_gettime(t, &cur);
  printf("gettime: interval %ld.%09ld, value in (9 s, 10 s]: %d\n", (long)cur.it_interval.tv_sec,
         cur.it_interval.tv_nsec, cur.it_value.tv_sec == 9 || (cur.it_value.tv_sec == 10 && cur.it_value.tv_nsec == 0));
  show("read before expiry", rd64(t, &v));
  its.it_value.tv_sec = 0;
  its.it_value.tv_nsec = 0;
  show("disarm", timerfd_settime(t, 0, &its, &old));
  printf("old value in (9 s, 10 s]: %d\n", old.it_value.tv_sec == 9 || old.it_value.tv_sec == 10);
  timerfd_gettime(t, &cur);
  printf("disarmed: %ld %ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
  its.it_value.tv_nsec = -5;
  show("bad timespec", timerfd_settime(t, 0, &its, NULL));
  show("bad flags", timerfd_settime(t, 8, &its, NULL));
  show("settime on an eventfd", timerfd_settime(0, 0, &its, NULL));
  close(t);

  // one-shot, blocking read: one expiration
  t = timerfd_create(CLOCK_MONOTONIC, 0);
  its = (struct itimerspec){{0, 0}, {0, 20 * 1000 * 1000}};
  timerfd_settime(t, 0, &its, NULL);
  show("blocking read", rd64(t, &v));
  printf("expirations %llu\n", (unsigned long long)v);

  // set again by another thread while this one waits: one expiration, at the later time
  its = (struct itimerspec){{0, 0}, {0, 30 * 1000 * 1000}};
  timerfd_settime(t, 0, &its, NULL);
  timer_shared = t;
  pthread_t th;
  pthread_create(&th, NULL, rearm, NULL);
  show("blocking read, re-armed meanwhile", rd64(t, &v));
  printf("expirations %llu\n", (unsigned long long)v);
  pthread_join(th, NULL);
  timerfd_gettime(t, &cur);
  printf("disarmed after: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);

  // absolute, on CLOCK_REALTIME, in the past: expired at once
  close(t);
  t = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  its = (struct itimerspec){{0, 0}, {now.tv_sec - 5, 0}};
  show("abstime in the past", timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL));
  show("read", rd64(t, &v));
  printf("expirations %llu\n", (unsigned long long)v);
  // absolute, 30 ms ahead, waited for with epoll
  clock_gettime(CLOCK_REALTIME, &now);
  long ns = now.tv_nsec + 30 * 1000 * 1000;
  its = (struct itimerspec){{0, 0}, {now.tv_sec + ns / 1000000000, ns % 1000000000}};
  timerfd_settime(t, TFD_TIMER_ABSTIME, &its, NULL);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7}, out[2];
  epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev);
  print_events("epoll on the timer", epoll_wait(ep, out, 2, -1), out);
  show("read", rd64(t, &v));
  printf("expirations %llu\n", (unsigned long long)v);

  // periodic: 10 ms interval, several expirations counted in one read
  its = (struct itimerspec){{0, 10 * 1000 * 1000}, {0, 10 * 1000 * 1000}};
  timerfd_settime(t, 0, &its, NULL);
  struct timespec nap = {0, 55 * 1000 * 1000};
  nanosleep(&nap, NULL);
  show("read after 55 ms", rd64(t, &v));
  printf("at least 5 expirations: %d\n", v >= 5);
  print_events("epoll, periodic", epoll_wait(ep, out, 2, -1), out);
  show("read", rd64(t, &v));
  printf("at least 1: %d\n", v >= 1);
  timerfd_gettime(t, &cur);
  printf("interval %ld.%09ld\n", (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
  close(ep);
  close(t);
}

static void print_siginfo(const char *what, long n, struct signalfd_siginfo *si) {
  if (n < 0) {
    printf("%s: -1 %s\n", what, strerrorname_np(errno));
    return;
  }
  printf("%s: %ld bytes", what, n);
  for (long i = 0; i < n / (long)sizeof *si; i++)
    printf(" [signo %u code %d from us %d uid ok %d]", si[i].ssi_signo, si[i].ssi_code,
           si[i].ssi_pid == (uint32_t)getpid(), si[i].ssi_uid == getuid());
  printf("\n");
}

static void signalfd_tests(int beyond_qemu) {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &mask, NULL);
  int fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  printf("cloexec %d\n", !!(fcntl(fd, F_GETFD) & FD_CLOEXEC));
  struct signalfd_siginfo si[4];
  print_siginfo("read, nothing pending", read(fd, si, sizeof si), si);
  print_siginfo("read 64 bytes", read(fd, si, 64), si);
  kill(getpid(), SIGUSR2);
  kill(getpid(), SIGUSR1);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 8}, out[2];
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  print_events("epoll, two pending", epoll_wait(ep, out, 2, 0), out);
  print_siginfo("read", read(fd, si, sizeof si), si);
  print_events("epoll, none pending", epoll_wait(ep, out, 2, 0), out);
  // the same descriptor, its mask changed to SIGUSR2 only
  sigdelset(&mask, SIGUSR1);
  printf("update returns the fd: %d\n", signalfd(fd, &mask, 0) == fd);
  kill(getpid(), SIGUSR1);
  kill(getpid(), SIGUSR2);
  print_siginfo("read, USR2 only", read(fd, si, sizeof si), si);
  sigset_t pend;
  sigpending(&pend);
  printf("USR1 still pending %d\n", sigismember(&pend, SIGUSR1));
  sigaddset(&mask, SIGUSR1);
  signalfd(fd, &mask, 0);
  print_siginfo("read it now", read(fd, si, sizeof si), si);
  if (beyond_qemu) show("signalfd bad mask size", syscall(SYS_signalfd4, -1, &mask, 4, 0));
  show("bad flags", signalfd(-1, &mask, 1));
  int efd = eventfd(0, 0);
  show("update an eventfd", signalfd(efd, &mask, 0));
  close(efd);
  close(fd);
  // a blocking read woken by a signal another thread sends
  fd = signalfd(-1, &mask, 0);
  main_thread = pthread_self();
  pthread_t th;
  pthread_create(&th, NULL, signaller, NULL);
  print_siginfo("blocking read", read(fd, si, sizeof si), si);
  pthread_join(th, NULL);
  close(ep);
  close(fd);
  pthread_sigmask(SIG_UNBLOCK, &mask, NULL);
}

// descriptions shared with a child process: its writes wake the parent's epoll_wait
static void fork_tests(void) {
  int efd = eventfd(0, 0);
  int p[2];
  pipe(p);
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 1}, out[4];
  epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
  ev.data.u64 = 2;
  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
  pid_t child = fork();
  if (child == 0) {
    for (int i = 0; i < 3; i++) sched_yield();
    wr64(efd, 9);
    uint64_t v;
    // the epoll instance is shared too: the child sees the eventfd it wrote to
    struct epoll_event in[2];
    int n = epoll_wait(ep, in, 2, -1);
    printf("child: %d ready, first data %llu\n", n, (unsigned long long)in[0].data.u64);
    rd64(efd, &v);
    write(p[1], "done", 4);
    _exit(3);
  }
  int status;
  waitpid(child, &status, 0);
  print_events("parent, after the child", epoll_wait(ep, out, 4, -1), out);
  char buf[8];
  show("pipe read", read(p[0], buf, sizeof buf));
  printf("child status %d\n", WEXITSTATUS(status));
  close(ep);
  close(efd);
  close(p[0]);
  close(p[1]);
}

int main(int argc, char **argv) {
  int pwait2 = argc > 1 && strcmp(argv[1], "beyond-qemu") == 0;
  setvbuf(stdout, NULL, _IONBF, 0);
  printf("== eventfd\n");
  eventfd_tests();
  printf("== epoll\n");
  epoll_tests(pwait2);
  printf("== epoll_pwait's signal mask\n");
  pwait_mask_tests();
  printf("== with a child process\n");
  fork_tests();
  printf("== signalfd\n");
  signalfd_tests(pwait2);
  printf("== timerfd\n");
  timerfd_tests();
  return 0;
}
