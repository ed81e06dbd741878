// The hang-up of a pipe's last writer (or last reader) seen through an edge-triggered epoll item,
// as the Go runtime waits for a child's output: os/exec registers the read end with
// EPOLLIN|EPOLLRDHUP|EPOLLET, reads until EAGAIN, and then only the child's exit can wake it.
// Linux's pipe_release wakes the other end's waiters, so the item reports EPOLLHUP (write end:
// EPOLLERR) once. Printed: events and counts, never times; compared with qemu-riscv64.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

static void events(const char *what, int n, const struct epoll_event *ev) {
  printf("%s: %d", what, n);
  if (n < 0) printf(" %s", strerrorname_np(errno));
  for (int i = 0; i < n; i++) {
    unsigned e = ev[i].events;
    printf(" [fd %d:%s%s%s%s%s]", ev[i].data.fd, e & EPOLLIN ? " IN" : "", e & EPOLLOUT ? " OUT" : "",
           e & EPOLLERR ? " ERR" : "", e & EPOLLHUP ? " HUP" : "", e & EPOLLRDHUP ? " RDHUP" : "");
  }
  printf("\n");
}

static int wait_events(const char *what, int ep, int timeout_ms) {
  struct epoll_event ev[4];
  int n = epoll_wait(ep, ev, 4, timeout_ms);
  events(what, n, ev);
  return n;
}

static int watch(int fd, unsigned what) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = what | EPOLLET, .data.fd = fd};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) perror("epoll_ctl");
  return ep;
}

// A child process holds the write end; the parent's item is drained, then the child exits.
static void writer_exits(void) {
  int out[2], go[2];
  if (pipe2(out, O_NONBLOCK | O_CLOEXEC) != 0 || pipe(go) != 0) return perror("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    close(out[0]);
    close(go[1]);
    write(out[1], "hello\n", 6);
    char c;
    read(go[0], &c, 1);  // until the parent has drained the pipe
    _exit(0);
  }
  close(out[1]);
  close(go[0]);
  int ep = watch(out[0], EPOLLIN | EPOLLRDHUP);
  wait_events("child wrote", ep, 5000);
  char buf[64];
  printf("read: %zd\n", read(out[0], buf, sizeof buf));
  ssize_t r = read(out[0], buf, sizeof buf);
  printf("read again: %zd %s\n", r, r < 0 ? strerrorname_np(errno) : "");
  wait_events("drained, edge reported", ep, 0);
  write(go[1], "x", 1);
  int status;
  waitpid(pid, &status, 0);
  printf("child exited %d\n", WEXITSTATUS(status));
  wait_events("writer gone", ep, 5000);
  wait_events("writer gone, edge reported", ep, 0);
  printf("read at EOF: %zd\n", read(out[0], buf, sizeof buf));
  close(ep);
  close(out[0]);
  close(go[1]);
}

static int hold_fd;
static void *close_later(void *arg) {
  usleep(10000);
  close(hold_fd);
  return NULL;
}

// A thread closes the last read end while the main thread waits on the full write end.
static void reader_goes(void) {
  int p[2];
  if (pipe2(p, O_NONBLOCK) != 0) return perror("pipe");
  int ep = watch(p[1], EPOLLOUT);
  wait_events("empty", ep, 0);
  char block[4096] = {0};
  long n = 0;
  while (write(p[1], block, sizeof block) > 0) n += sizeof block;
  printf("filled: %ld bytes\n", n);
  wait_events("full", ep, 0);
  hold_fd = p[0];
  pthread_t t;
  pthread_create(&t, NULL, close_later, NULL);
  wait_events("reader gone", ep, 5000);
  pthread_join(t, NULL);
  wait_events("reader gone, edge reported", ep, 0);
  close(ep);
  close(p[1]);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  writer_exits();
  reader_goes();
  return 0;
}
