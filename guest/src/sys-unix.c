#define _GNU_SOURCE
// AF_UNIX socket pairs: between two threads, between a parent and a forked child, non-blocking
// EAGAIN, shutdown, EOF, EPIPE (SIGPIPE ignored), message boundaries of SOCK_DGRAM and
// SOCK_SEQPACKET, poll readiness. Output depends on nothing the scheduler decides, so it is
// compared byte for byte with qemu-riscv64.
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static void show(const char *what, const char *buf, long n) {
  if (n < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld \"%.*s\"\n", what, n, (int)n, buf);
}

static void show_poll(const char *what, int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
  int r = poll(&p, 1, 0);
  printf("%s: %d revents %#x\n", what, r, p.revents);
}

static int sv_thread[2];

// Reads numbers until EOF, answers their sum.
static void *summer(void *arg) {
  long sum = 0;
  int v;
  for (;;) {
    ssize_t n = read(sv_thread[1], &v, sizeof v);
    if (n == 0) break;
    if (n != sizeof v) {
      printf("summer: short read %zd\n", n);
      return NULL;
    }
    sum += v;
  }
  write(sv_thread[1], &sum, sizeof sum);
  return NULL;
}

// Answers each message with its bytes reversed, until EOF.
static void *echoer(void *arg) {
  int fd = *(int *)arg;
  char buf[64];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n / 2; i++) {
      char c = buf[i];
      buf[i] = buf[n - 1 - i];
      buf[n - 1 - i] = c;
    }
    write(fd, buf, n);
  }
  return NULL;
}

static void basics(void) {
  int sv[2];
  char buf[64];
  report("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  struct stat st;
  fstat(sv[0], &st);
  printf("is socket: %d\n", S_ISSOCK(st.st_mode));
  report("write a", write(sv[0], "hello", 5));
  report("send a", send(sv[0], " world", 6, 0));
  show("read b", buf, read(sv[1], buf, sizeof buf));
  report("write b", write(sv[1], "back", 4));
  show("recv a peek", buf, recv(sv[0], buf, sizeof buf, MSG_PEEK));
  show("recvfrom a", buf, recvfrom(sv[0], buf, 2, 0, NULL, NULL));
  show("read a", buf, read(sv[0], buf, sizeof buf));
  report("recv a dontwait", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
  show_poll("poll a idle", sv[0]);
  write(sv[1], "x", 1);
  show_poll("poll a data", sv[0]);
  read(sv[0], buf, 1);

  // shutdown(SHUT_WR): the peer reads what was sent, then EOF; the other way still works
  write(sv[0], "last", 4);
  report("shutdown a wr", shutdown(sv[0], SHUT_WR));
  report("write a after shut", write(sv[0], "z", 1));
  show("read b", buf, read(sv[1], buf, sizeof buf));
  show("read b eof", buf, read(sv[1], buf, sizeof buf));
  show_poll("poll b after peer shut wr", sv[1]);
  report("write b", write(sv[1], "ok", 2));
  show("read a", buf, read(sv[0], buf, sizeof buf));
  report("shutdown bad how", shutdown(sv[0], 7));
  int pp[2];
  pipe(pp);
  report("shutdown not socket", shutdown(pp[0], SHUT_RD));
  close(pp[0]);
  close(pp[1]);
  close(sv[0]);
  close(sv[1]);

  // shutdown(SHUT_RD): this end reads EOF, the peer's writes fail with EPIPE
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  report("shutdown a rd", shutdown(sv[0], SHUT_RD));
  show("read a", buf, read(sv[0], buf, sizeof buf));
  report("write b to shut reader", write(sv[1], "q", 1));
  close(sv[0]);
  close(sv[1]);

  // the peer closes: EOF, then EPIPE (SIGPIPE is ignored)
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  write(sv[0], "bye", 3);
  close(sv[0]);
  show_poll("poll b after peer close", sv[1]);
  show("read b", buf, read(sv[1], buf, sizeof buf));
  show("read b eof", buf, read(sv[1], buf, sizeof buf));
  report("write b to closed", write(sv[1], "q", 1));
  report("send nosignal to closed", send(sv[1], "q", 1, MSG_NOSIGNAL));
  close(sv[1]);
}

static void nonblocking(void) {
  int sv[2];
  char buf[4096];
  report("socketpair nonblock cloexec", socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv));
  printf("cloexec: %d nonblock: %d\n", (fcntl(sv[0], F_GETFD) & FD_CLOEXEC) != 0, (fcntl(sv[1], F_GETFL) & O_NONBLOCK) != 0);
  report("read empty", read(sv[0], buf, sizeof buf));
  memset(buf, 'w', sizeof buf);
  long total = 0;
  ssize_t n;
  while ((n = write(sv[0], buf, sizeof buf)) > 0) total += n;
  printf("filled: %s, then %s\n", total > 0 ? "some" : "none", strerrorname_np(errno));
  show_poll("poll full writer", sv[0]);
  long got = 0;
  while ((n = read(sv[1], buf, sizeof buf)) > 0) got += n;
  printf("drained all: %d, then %s\n", got == total, strerrorname_np(errno));
  close(sv[0]);
  close(sv[1]);
}

static void threads(void) {
  pthread_t t;
  report("socketpair threads", socketpair(AF_UNIX, SOCK_STREAM, 0, sv_thread));
  pthread_create(&t, NULL, summer, NULL);
  for (int i = 1; i <= 1000; i++) write(sv_thread[0], &i, sizeof i);
  shutdown(sv_thread[0], SHUT_WR);
  long sum = 0;
  report("read sum", read(sv_thread[0], &sum, sizeof sum));
  printf("sum: %ld\n", sum);
  pthread_join(t, NULL);
  close(sv_thread[0]);
  close(sv_thread[1]);

  int sv[2];
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
  pthread_create(&t, NULL, echoer, &sv[1]);
  char buf[64];
  const char *words[] = {"alpha", "be", "gamma ray", "d"};
  for (int i = 0; i < 4; i++) {
    write(sv[0], words[i], strlen(words[i]));
    show("echoed", buf, read(sv[0], buf, sizeof buf));
  }
  close(sv[0]);
  pthread_join(t, NULL);
  close(sv[1]);
}

static void forked(void) {
  int sv[2];
  char buf[64];
  report("socketpair fork", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    ssize_t n;
    while ((n = read(sv[1], buf, sizeof buf)) > 0) {
      for (ssize_t i = 0; i < n; i++) buf[i] = buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i];
      write(sv[1], buf, n);
    }
    _exit(n == 0 ? 7 : 1);
  }
  close(sv[1]);
  const char *lines[] = {"from parent", "to child", "and back"};
  for (int i = 0; i < 3; i++) {
    write(sv[0], lines[i], strlen(lines[i]));
    show("child says", buf, read(sv[0], buf, sizeof buf));
  }
  shutdown(sv[0], SHUT_WR);
  int status;
  waitpid(pid, &status, 0);
  printf("child exit: %d\n", WEXITSTATUS(status));
  show("read after child exit", buf, read(sv[0], buf, sizeof buf));
  close(sv[0]);
}

static void messages(void) {
  int sv[2];
  char buf[64];
  report("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
  write(sv[0], "abc", 3);
  write(sv[0], "defgh", 5);
  write(sv[0], "xyz12", 5);
  report("empty dgram", send(sv[0], "", 0, 0));
  show("dgram short read", buf, read(sv[1], buf, 2));
  show("dgram next", buf, read(sv[1], buf, sizeof buf));
  report("dgram MSG_TRUNC", recv(sv[1], buf, 2, MSG_TRUNC));
  report("dgram empty message", recv(sv[1], buf, sizeof buf, 0));
  report("dgram nothing", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  close(sv[0]);
  close(sv[1]);

  report("socketpair seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
  write(sv[0], "one", 3);
  write(sv[0], "two!", 4);
  close(sv[0]);
  show("seq", buf, read(sv[1], buf, sizeof buf));
  show("seq", buf, read(sv[1], buf, 2));
  show("seq eof", buf, read(sv[1], buf, sizeof buf));
  close(sv[1]);

  report("socketpair inet", socketpair(AF_INET, SOCK_STREAM, 0, sv));
  report("socketpair bad type", socketpair(AF_UNIX, 9, 0, sv));
  report("socketpair bad protocol", socketpair(AF_UNIX, SOCK_STREAM, 5, sv));
}

static socklen_t name_addr(struct sockaddr_un *a, const char *path, int abstract) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strcpy(a->sun_path + abstract, path);
  return offsetof(struct sockaddr_un, sun_path) + abstract + strlen(path) + !abstract;
}

// A listening socket on a path (or an abstract name) and a forked child that connects to it.
static void named(int abstract) {
  char path[64], buf[64];
  // runs side by side (a test's qemu and hartscope runs) each get their own name
  const char *tag = getenv("SYS_UNIX_TAG");
  snprintf(path, sizeof path, "sys-unix-%s-%d.sock", tag ? tag : "", (int)getpid());
  unlink(path);
  struct sockaddr_un a;
  socklen_t len = name_addr(&a, path, abstract);
  const char *kind = abstract ? "abstract" : "path";
  printf("-- %s\n", kind);
  int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  report("socket", srv >= 0 ? 0 : -1);
  report("connect to nothing", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, len));
  report("listen unbound", listen(srv, 4));
  report("bind", bind(srv, (struct sockaddr *)&a, len));
  int other = socket(AF_UNIX, SOCK_STREAM, 0);
  report("bind taken", bind(other, (struct sockaddr *)&a, len));
  report("connect before listen", connect(other, (struct sockaddr *)&a, len));
  report("listen", listen(srv, 4));
  fcntl(srv, F_SETFL, O_NONBLOCK);
  report("accept nonblocking", accept(srv, NULL, NULL));
  fcntl(srv, F_SETFL, 0);
  pid_t pid = fork();
  if (pid == 0) {
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, len) != 0) _exit(2);
    write(c, "knock knock", 11);
    ssize_t n = read(c, buf, sizeof buf);
    _exit(n == 3 && memcmp(buf, "who", 3) == 0 ? 9 : 3);
  }
  struct sockaddr_un peer;
  socklen_t plen = sizeof peer;
  int conn = accept4(srv, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
  report("accept4", conn >= 0 ? 0 : -1);
  printf("peer addrlen %d family %d\n", (int)plen, peer.sun_family);
  show("server reads", buf, read(conn, buf, sizeof buf));
  write(conn, "who", 3);
  int status;
  waitpid(pid, &status, 0);
  printf("client exit: %d\n", WEXITSTATUS(status));
  show("server reads eof", buf, read(conn, buf, sizeof buf));
  report("connect connected", connect(conn, (struct sockaddr *)&a, len));
  close(conn);
  close(other);
  close(srv);
  if (!abstract) report("unlink", unlink(path));
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGPIPE, SIG_IGN);
  basics();
  nonblocking();
  threads();
  forked();
  messages();
  named(0);
  named(1);
  return 0;
}
