#define _GNU_SOURCE
// AF_UNIX sendmsg/recvmsg: descriptors passed with SCM_RIGHTS between processes (the receiver
// reads the file and the pipe it got, the file offset is shared), where a batch of descriptors
// attaches in a stream and how it is truncated, SCM_CREDENTIALS and SO_PASSCRED, the recv flags,
// iovecs, socket names, options and shutdown. Process ids are printed as who they are (self,
// parent, child), descriptors relative to the lowest free one, so the output is compared byte
// for byte with qemu-riscv64 (and, built for the host, with the host's kernel).
// `sys-msg linux` adds the part where qemu-riscv64 7.2 is not Linux (compared with the host's
// kernel); `sys-msg inet` only asks for an AF_INET socket (hartscope refuses it; Linux gives one).
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t parent_pid, child_pid;
static char tag[32];

static void report(const char *what, long r) {
  if (r < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld\n", what, r);
}

static void show(const char *what, const char *buf, long n) {
  if (n < 0) printf("%s: -1 %s\n", what, strerrorname_np(errno));
  else printf("%s: %ld \"%.*s\"\n", what, n, (int)n, buf);
}

static const char *who(pid_t pid) {
  if (pid == 0) return "0";
  if (pid == getpid()) return "self";
  if (pid == parent_pid) return "parent";
  if (pid == child_pid) return "child";
  return "other";
}

static void show_poll(const char *what, int fd) {
  struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP};
  int r = poll(&p, 1, 0);
  printf("%s: %d revents %#x\n", what, r, p.revents);
}

/** The descriptor the next open would get (received descriptors are printed relative to it). */
static int lowest_free(void) {
  int fd = dup(0);
  close(fd);
  return fd;
}

static void flag_names(int f) {
  printf(" flags");
  if (!f) printf(" 0");
  if (f & MSG_TRUNC) printf(" TRUNC");
  if (f & MSG_CTRUNC) printf(" CTRUNC");
  if (f & MSG_EOR) printf(" EOR");
  if (f & ~(MSG_TRUNC | MSG_CTRUNC | MSG_EOR)) printf(" %#x", f & ~(MSG_TRUNC | MSG_CTRUNC | MSG_EOR));
}

/** sendmsg of `data` with `n` descriptors (SCM_RIGHTS) when n > 0. */
static long send_fds(int sock, const char *data, int len, const int *fds, int n, int flags) {
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  union {
    char buf[CMSG_SPACE(sizeof(int) * 300)];
    struct cmsghdr align;
  } u;
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
  if (n > 0) {
    m.msg_control = u.buf;
    m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
  }
  return sendmsg(sock, &m, flags);
}

/**
 * recvmsg into `len` bytes with `room` bytes of control (no control buffer when room < 0);
 * prints what came. Received descriptors go to `fds` (up to 8), their number is returned in *nfds.
 */
static long recv_show(const char *what, int sock, size_t len, long room, int flags, int *fds, int *nfds) {
  char buf[256];
  union {
    char b[512];
    struct cmsghdr align;
  } ctl;
  memset(ctl.b, 0x55, sizeof ctl.b);
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
  if (room >= 0) {
    m.msg_control = ctl.b;
    m.msg_controllen = room;
  }
  int base = lowest_free();
  if (nfds) *nfds = 0;
  long r = recvmsg(sock, &m, flags);
  if (r < 0) {
    printf("%s: -1 %s\n", what, strerrorname_np(errno));
    return r;
  }
  long shown = r < (long)len ? r : (long)len;
  printf("%s: %ld \"%.*s\"", what, r, (int)shown, buf);
  flag_names(m.msg_flags);
  printf(" controllen %zu\n", m.msg_controllen);
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    printf("  cmsg level %d type %d len %zu", c->cmsg_level, c->cmsg_type, c->cmsg_len);
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      printf(" fds");
      for (int i = 0; i < n; i++) {
        int fd;
        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        printf(" +%d%s", fd - base, (fcntl(fd, F_GETFD) & FD_CLOEXEC) ? "(cloexec)" : "");
        if (fds && nfds && *nfds < 8) fds[(*nfds)++] = fd;
        else close(fd);
      }
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
               c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      struct ucred u;
      memcpy(&u, CMSG_DATA(c), sizeof u);
      printf(" pid %s uid %s gid %s", who(u.pid), u.uid == getuid() ? "mine" : u.uid == 65534 ? "overflow" : "other",
             u.gid == getgid() ? "mine" : u.gid == 65534 ? "overflow" : "other");
    }
    printf("\n");
  }
  return r;
}

static void close_all(int *fds, int n) {
  for (int i = 0; i < n; i++) close(fds[i]);
}

static int same_file(int a, int b) {
  struct stat x, y;
  return fstat(a, &x) == 0 && fstat(b, &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

static int temp_file(const char *name, const char *content) {
  char path[96];
  snprintf(path, sizeof path, "sys-msg-%s-%d-%s.tmp", tag, (int)getpid(), name);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  unlink(path);
  write(fd, content, strlen(content));
  lseek(fd, 0, SEEK_SET);
  return fd;
}

// A file and a pipe go to a forked child, which reads both and sends a pipe of its own back.
static void rights_fork(void) {
  printf("-- rights between processes\n");
  int file = temp_file("shared", "0123456789abcdef");
  int pp[2], sv[2];
  pipe(pp);
  write(pp[1], "through the pipe", 16);
  close(pp[1]);
  report("socketpair", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    close(file);
    close(pp[0]);
    child_pid = getpid();
    int got[8], n;
    recv_show("child recvmsg", sv[1], 64, CMSG_SPACE(sizeof(int) * 4), 0, got, &n);
    if (n != 2) _exit(1);
    char buf[64];
    show("child reads file", buf, read(got[0], buf, 4));
    report("child offset", lseek(got[0], 0, SEEK_CUR));
    show("child reads pipe", buf, read(got[1], buf, sizeof buf));
    int back[2];
    pipe(back);
    write(back[1], "from child", 10);
    report("child sends", send_fds(sv[1], "B", 1, &back[0], 1, 0));
    _exit(0);
  }
  child_pid = pid;
  close(sv[1]);
  int fds[2] = {file, pp[0]};
  long sent = send_fds(sv[0], "two fds", 7, fds, 2, 0);
  close(pp[0]);
  int status;
  waitpid(pid, &status, 0);
  report("parent sent", sent);
  printf("child exit: %d\n", WEXITSTATUS(status));
  char buf[64];
  show("parent reads file", buf, read(file, buf, 4));
  report("parent offset", lseek(file, 0, SEEK_CUR));
  int got[8], n;
  recv_show("parent recvmsg", sv[0], 64, CMSG_SPACE(sizeof(int)), 0, got, &n);
  if (n == 1) {
    show("parent reads child's pipe", buf, read(got[0], buf, sizeof buf));
    show("then eof", buf, read(got[0], buf, sizeof buf));
    close(got[0]);
  }
  close(file);
  close(sv[0]);
}

// Where a batch attaches in a stream, peeking, truncation, cloexec, datagrams, bad control data.
static void rights_rules(void) {
  printf("-- rights in one process\n");
  int sv[2], got[8], n;
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  int file = temp_file("rules", "rules");
  send(sv[0], "aa", 2, 0);
  send_fds(sv[0], "bbb", 3, &file, 1, 0);
  send(sv[0], "cc", 2, 0);
  send_fds(sv[0], "dd", 2, &file, 1, 0);
  send(sv[0], "ee", 2, 0);
  for (int i = 0; i < 4; i++) {
    recv_show("stream batch", sv[1], 64, 64, MSG_DONTWAIT, got, &n);
    if (n) printf("  same file: %d\n", same_file(got[0], file));
    close_all(got, n);
  }
  send_fds(sv[0], "xyz", 3, &file, 1, 0);
  recv_show("stream short", sv[1], 2, 64, 0, got, &n);
  close_all(got, n);
  recv_show("stream rest", sv[1], 64, 64, MSG_DONTWAIT, got, &n);
  close_all(got, n);

  send_fds(sv[0], "pk", 2, &file, 1, 0);
  recv_show("peek", sv[1], 64, 64, MSG_PEEK, got, &n);
  close_all(got, n);
  recv_show("after peek", sv[1], 64, 64, 0, got, &n);
  close_all(got, n);

  send_fds(sv[0], "cl", 2, &file, 1, 0);
  recv_show("cmsg cloexec", sv[1], 64, 64, MSG_CMSG_CLOEXEC, got, &n);
  close_all(got, n);
  report("stream empty with fds", send_fds(sv[0], "", 0, &file, 1, 0));
  recv_show("after empty", sv[1], 64, 64, MSG_DONTWAIT, got, &n);

  // bad control data
  report("bad fd", send_fds(sv[0], "x", 1, (int[]){99}, 1, 0));
  int many[300];
  for (int i = 0; i < 300; i++) many[i] = file;
  report("254 fds", send_fds(sv[0], "m", 1, many, 254, 0));
  {
    struct iovec iov = {.iov_base = "q", .iov_len = 1};
    union {
      char b[64];
      struct cmsghdr align;
    } u;
    memset(u.b, 0, sizeof u.b);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = CMSG_SPACE(4)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = sizeof(struct cmsghdr) - 1;
    report("cmsg_len too short", sendmsg(sv[0], &m, 0));
    c->cmsg_len = CMSG_LEN(4);
    c->cmsg_type = 77;
    report("unknown SOL_SOCKET type", sendmsg(sv[0], &m, 0));
    c->cmsg_level = 99;
    report("other level ignored", sendmsg(sv[0], &m, 0));
    recv_show("its data", sv[1], 64, 64, 0, got, &n);
  }
  close(sv[0]);
  close(sv[1]);

  // datagrams and sequenced packets: the descriptors travel with their message
  int types[2] = {SOCK_DGRAM, SOCK_SEQPACKET};
  for (int t = 0; t < 2; t++) {
    printf("%s:\n", t == 0 ? "dgram" : "seqpacket");
    socketpair(AF_UNIX, types[t], 0, sv);
    send_fds(sv[0], "0123456789", 10, &file, 1, 0);
    send_fds(sv[0], "abcdef", 6, &file, 1, 0);
    send_fds(sv[0], "", 0, &file, 1, 0);
    recv_show("short", sv[1], 4, 64, 0, got, &n);
    close_all(got, n);
    recv_show("MSG_TRUNC", sv[1], 2, 64, MSG_TRUNC, got, &n);
    close_all(got, n);
    recv_show("empty", sv[1], 64, 64, 0, got, &n);
    close_all(got, n);
    close(sv[0]);
    close(sv[1]);
  }
  close(file);
}

// Where qemu-riscv64 7.2 is not Linux, compared with the host's own kernel: control buffers too
// small for what came (qemu gives the host kernel a buffer twice the guest's and converts what
// fits: it installs descriptors it then does not report and leaves MSG_CTRUNC clear), a cmsg_len
// that runs past the buffer (qemu clamps it, Linux answers EINVAL), and addresses of another
// family (qemu answers EAFNOSUPPORT, Linux EINVAL, and AF_UNSPEC disconnects a datagram socket).
static void qemu_differs(void) {
  printf("-- where qemu differs\n");
  int sv[2], got[8], n, one = 1;
  char buf[64];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  int file = temp_file("trunc", "trunc");
  int many[300];
  for (int i = 0; i < 300; i++) many[i] = file;
  // truncated: the descriptors that do not fit are closed (the pipe's last writer goes)
  int pp[2];
  pipe(pp);
  int three[3] = {file, file, pp[1]};
  send_fds(sv[0], "tr", 2, three, 3, 0);
  close(pp[1]);
  recv_show("room for one", sv[1], 64, CMSG_SPACE(sizeof(int)), 0, got, &n);
  close_all(got, n);
  show("pipe after truncation", buf, read(pp[0], buf, sizeof buf));
  close(pp[0]);
  pipe(pp);
  send_fds(sv[0], "nc", 2, &pp[1], 1, 0);
  close(pp[1]);
  recv_show("no control buffer", sv[1], 64, -1, 0, got, &n);
  show("pipe after no control", buf, read(pp[0], buf, sizeof buf));
  close(pp[0]);
  send_fds(sv[0], "sm", 2, &file, 1, 0);
  recv_show("control smaller than header", sv[1], 64, 8, 0, got, &n);
  send_fds(sv[0], "ex", 2, (int[]){file, file}, 2, 0);
  recv_show("control of CMSG_LEN(4)", sv[1], 64, CMSG_LEN(sizeof(int)), 0, got, &n);
  close_all(got, n);
  report("253 fds", send_fds(sv[0], "m", 1, many, 253, 0));
  recv_show("253 fds received", sv[1], 64, CMSG_LEN(4 * sizeof(int)), 0, got, &n);
  {
    struct iovec iov = {.iov_base = "q", .iov_len = 1};
    union {
      char b[64];
      struct cmsghdr align;
    } u;
    memset(u.b, 0, sizeof u.b);
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = CMSG_SPACE(4)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = 64;
    memcpy(CMSG_DATA(c), &file, sizeof file);
    report("cmsg_len past control", sendmsg(sv[0], &m, 0));
  }
  close(sv[0]);
  close(sv[1]);
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  send(sv[0], "small", 5, 0);
  recv_show("room for half the creds", sv[1], 64, CMSG_LEN(6), 0, NULL, NULL);

  close(sv[0]);
  close(sv[1]);
  close(file);

  struct sockaddr_un bad = {.sun_family = AF_INET, .sun_path = "x"};
  int st = socket(AF_UNIX, SOCK_STREAM, 0);
  report("stream connect other family", connect(st, (struct sockaddr *)&bad, sizeof bad));
  report("stream connect family alone", connect(st, (struct sockaddr *)&bad, 2));
  close(st);
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  report("dgram sendto other family", sendto(sv[0], "f", 1, 0, (struct sockaddr *)&bad, sizeof bad));
  report("dgram bind other family", bind(sv[0], (struct sockaddr *)&bad, sizeof bad));
  report("dgram connect other family", connect(sv[0], (struct sockaddr *)&bad, sizeof bad));
  struct sockaddr unspec = {.sa_family = AF_UNSPEC};
  report("dgram connect AF_UNSPEC", connect(sv[0], &unspec, sizeof unspec));
  report("send after disconnect", send(sv[0], "d", 1, 0));
  close(sv[0]);
  close(sv[1]);
}

// SO_PASSCRED: the sender's credentials with each message; a stream read never joins two writers.
static void credentials(void) {
  printf("-- credentials\n");
  for (int pass = 1; pass >= 0; pass--) {
    int sv[2], one = 1;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    if (pass) report("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
    int v = -1;
    socklen_t l = sizeof v;
    getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &v, &l);
    printf("passcred: %d len %d\n", v, (int)l);
    write(sv[0], "P1", 2);
    pid_t pid = fork();
    if (pid == 0) {
      write(sv[0], "C1", 2);
      _exit(0);
    }
    child_pid = pid;
    waitpid(pid, NULL, 0);
    write(sv[0], "P2", 2);
    for (int i = 0; i < 3; i++) recv_show("read", sv[1], 64, 64, MSG_DONTWAIT, NULL, NULL);
    close(sv[0]);
    close(sv[1]);
  }

  int sv[2], one = 1;
  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  send(sv[0], "before", 6, 0);
  setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  send(sv[0], "after", 5, 0);
  recv_show("queued before SO_PASSCRED", sv[1], 64, 64, 0, NULL, NULL);
  recv_show("queued after", sv[1], 64, 64, 0, NULL, NULL);
  recv_show("creds do not fit", sv[1], 64, 64, MSG_DONTWAIT, NULL, NULL);
  // explicit SCM_CREDENTIALS: one's own are accepted
  struct ucred me = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
  struct iovec iov = {.iov_base = "cred", .iov_len = 4};
  union {
    char b[CMSG_SPACE(sizeof(struct ucred))];
    struct cmsghdr align;
  } u;
  struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b, .msg_controllen = sizeof u.b};
  struct cmsghdr *c = CMSG_FIRSTHDR(&m);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_CREDENTIALS;
  c->cmsg_len = CMSG_LEN(sizeof me);
  memcpy(CMSG_DATA(c), &me, sizeof me);
  report("send own credentials", sendmsg(sv[0], &m, 0));
  recv_show("explicit", sv[1], 64, 64, 0, NULL, NULL);
  c->cmsg_len = CMSG_LEN(sizeof me - 4);
  report("credentials too short", sendmsg(sv[0], &m, 0));
  close(sv[0]);
  close(sv[1]);

  // a connection not accepted yet gets credentials with what is sent to it; the accepted
  // socket takes SO_PASSCRED from the listener
  for (int inherit = 0; inherit < 2; inherit++) {
    char name[64];
    snprintf(name, sizeof name, "sys-msg-%s-%d-E%d", tag, (int)getpid(), inherit);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path + 1, name);
    socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
    int l = socket(AF_UNIX, SOCK_STREAM, 0), cl = socket(AF_UNIX, SOCK_STREAM, 0);
    if (inherit) setsockopt(l, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    bind(l, (struct sockaddr *)&a, len);
    listen(l, 1);
    connect(cl, (struct sockaddr *)&a, len);
    send(cl, "early", 5, 0);
    int conn = accept(l, NULL, NULL);
    send(cl, "mid", 3, 0);
    int v = -1;
    socklen_t vl = sizeof v;
    getsockopt(conn, SOL_SOCKET, SO_PASSCRED, &v, &vl);
    printf("accepted passcred: %d\n", v);
    if (!inherit) setsockopt(conn, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    recv_show("before accept", conn, 64, 64, MSG_DONTWAIT, NULL, NULL);
    recv_show("after accept", conn, 64, 64, MSG_DONTWAIT, NULL, NULL);
    close(conn);
    close(cl);
    close(l);
  }

  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  struct ucred pc;
  socklen_t l = sizeof pc;
  report("SO_PEERCRED pair", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pc, &l));
  printf("peer pid %s uid %d gid %d len %d\n", who(pc.pid), pc.uid == getuid(), pc.gid == getgid(), (int)l);
  close(sv[0]);
  close(sv[1]);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  l = sizeof pc;
  report("SO_PEERCRED unconnected", getsockopt(s, SOL_SOCKET, SO_PEERCRED, &pc, &l));
  printf("peer pid %s uid %u gid %u\n", who(pc.pid), pc.uid, pc.gid);
  close(s);
}

static void iovecs_and_flags(void) {
  printf("-- iovecs and flags\n");
  int sv[2];
  char buf[64];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
  struct msghdr m = {.msg_iov = out, .msg_iovlen = 3};
  report("sendmsg 3 iovecs", sendmsg(sv[0], &m, 0));
  char x[3], y[10];
  struct iovec in[2] = {{x, 3}, {y, 10}};
  struct sockaddr_un name;
  struct msghdr r = {.msg_iov = in, .msg_iovlen = 2, .msg_name = &name, .msg_namelen = sizeof name};
  long n = recvmsg(sv[1], &r, 0);
  printf("recvmsg 2 iovecs: %ld \"%.3s\" \"%.*s\" namelen %d\n", n, x, (int)(n > 3 ? n - 3 : 0), y, (int)r.msg_namelen);

  write(sv[0], "ab", 2);
  write(sv[0], "cd", 2);
  show("peek joins", buf, recv(sv[1], buf, sizeof buf, MSG_PEEK));
  show("stream MSG_TRUNC", buf, recv(sv[1], buf, 1, MSG_TRUNC));
  show("read rest", buf, read(sv[1], buf, sizeof buf));
  report("dontwait empty", recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
  report("recvmsg dontwait empty", recv_show("recvmsg dontwait", sv[1], 8, 0, MSG_DONTWAIT, NULL, NULL));

  pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < 3; i++) {
      write(sv[0], &"123456"[2 * i], 2);
      sched_yield();
    }
    _exit(0);
  }
  child_pid = pid;
  show("MSG_WAITALL", buf, recv(sv[1], buf, 6, MSG_WAITALL));
  waitpid(pid, NULL, 0);
  write(sv[0], "zz", 2);
  shutdown(sv[0], SHUT_WR);
  show("MSG_WAITALL to eof", buf, recv(sv[1], buf, 10, MSG_WAITALL));
  close(sv[1]);
  // SIGPIPE is not ignored here: MSG_NOSIGNAL alone keeps the process alive
  report("sendmsg nosignal to closed", send_fds(sv[0], "p", 1, NULL, 0, MSG_NOSIGNAL));
  report("sendto nosignal to closed", sendto(sv[0], "p", 1, MSG_NOSIGNAL, NULL, 0));
  close(sv[0]);
  // a blocking stream write returns when all of it is queued, however long it is
  int bw[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, bw);
  pid_t bp = fork();
  if (bp == 0) {
    static char big[700000];
    memset(big, 'b', sizeof big);
    _exit(write(bw[0], big, sizeof big) == (ssize_t)sizeof big ? 0 : 1);
  }
  child_pid = bp;
  long total = 0;
  ssize_t got;
  while (total < 700000 && (got = read(bw[1], buf, sizeof buf)) > 0) total += got;
  int status;
  waitpid(bp, &status, 0);
  printf("big write: read %ld, child wrote all: %d\n", total, WEXITSTATUS(status) == 0);
  close(bw[0]);
  close(bw[1]);

  socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
  struct mmsghdr mm[4];
  struct iovec mi[4];
  const char *words[3] = {"one", "three", "seven"};
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 3; i++) {
    mi[i].iov_base = (void *)words[i];
    mi[i].iov_len = strlen(words[i]);
    mm[i].msg_hdr.msg_iov = &mi[i];
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  report("sendmmsg", sendmmsg(sv[0], mm, 3, 0));
  printf("sent lengths %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
  char bufs[4][8];
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 4; i++) {
    mi[i].iov_base = bufs[i];
    mi[i].iov_len = 4;
    mm[i].msg_hdr.msg_iov = &mi[i];
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  report("recvmmsg", recvmmsg(sv[1], mm, 4, MSG_DONTWAIT, NULL));
  for (int i = 0; i < 3; i++)
    printf("  %u \"%.*s\"%s\n", mm[i].msg_len, (int)(mm[i].msg_len < 4 ? mm[i].msg_len : 4), bufs[i],
           mm[i].msg_hdr.msg_flags & MSG_TRUNC ? " TRUNC" : "");
  report("recvmmsg empty", recvmmsg(sv[1], mm, 4, MSG_DONTWAIT, NULL));
  close(sv[0]);
  close(sv[1]);
}

static socklen_t name_addr(struct sockaddr_un *a, const char *path, int abstract) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strcpy(a->sun_path + abstract, path);
  return offsetof(struct sockaddr_un, sun_path) + abstract + strlen(path) + !abstract;
}

/** A name as getsockname/getpeername/recvfrom gave it, relative to the names this test made. */
static void show_name(const char *what, long r, const struct sockaddr_un *a, socklen_t len, const char *const *known) {
  if (r < 0) {
    printf("%s: -1 %s\n", what, strerrorname_np(errno));
    return;
  }
  // a path's length depends on the run's tag and pid: printed as len - strlen
  if (len <= 2) printf("%s: len %d", what, (int)len);
  else printf("%s:", what);
  if (len >= 2) printf(" family %d", a->sun_family);
  if (len > 2) {
    // an abstract name has no NUL: its length is all there is
    int abstract = a->sun_path[0] == 0;
    char p[sizeof a->sun_path + 1];
    size_t n = len - offsetof(struct sockaddr_un, sun_path) - abstract;
    memcpy(p, a->sun_path + abstract, n);
    p[n] = 0;
    const char *name = "unknown";
    for (int i = 0; known[i]; i++)
      if (strcmp(p, known[i]) == 0) name = known[i] + strlen(known[i]) - 1;
    printf(" %s name ending '%s' len-strlen %d", abstract ? "abstract" : "path", name, (int)(len - strlen(p)));
  }
  printf("\n");
}

static void show_own_name(const char *what, int fd, int peer, const char *const *known) {
  struct sockaddr_un got;
  socklen_t len = sizeof got;
  long r = peer ? getpeername(fd, (struct sockaddr *)&got, &len) : getsockname(fd, (struct sockaddr *)&got, &len);
  show_name(what, r, &got, len, known);
}

static void names(void) {
  printf("-- names\n");
  char pa[64], pb[64], pl[64], pd[64];
  snprintf(pa, sizeof pa, "sys-msg-%s-%d-A", tag, (int)getpid());
  snprintf(pb, sizeof pb, "sys-msg-%s-%d-B", tag, (int)getpid());
  snprintf(pl, sizeof pl, "sys-msg-%s-%d-L", tag, (int)getpid());
  snprintf(pd, sizeof pd, "sys-msg-%s-%d-D", tag, (int)getpid());
  const char *known[] = {pa, pb, pl, pd, NULL};
  unlink(pa);
  unlink(pb);
  unlink(pl);
  struct sockaddr_un a, got;
  socklen_t len, gl;
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  show_own_name("unbound name", s, 0, known);
  show_own_name("unbound peer", s, 1, known);
  len = name_addr(&a, pl, 0);
  report("bind listener", bind(s, (struct sockaddr *)&a, sizeof a));
  show_own_name("bound name", s, 0, known);
  gl = 4;
  memset(&got, 0, sizeof got);
  getsockname(s, (struct sockaddr *)&got, &gl);
  printf("name into 4 bytes: len-strlen %d family %d bytes '%.2s' then %d\n", (int)(gl - strlen(pl)), got.sun_family,
         got.sun_path, got.sun_path[2]);
  listen(s, 2);
  int cl = socket(AF_UNIX, SOCK_STREAM, 0);
  name_addr(&a, pb, 0);
  report("bind client", bind(cl, (struct sockaddr *)&a, len));
  len = name_addr(&a, pl, 0);
  report("connect", connect(cl, (struct sockaddr *)&a, len));
  gl = sizeof got;
  int conn = accept(s, (struct sockaddr *)&got, &gl);
  show_name("accept gives", conn, &got, gl, known);
  show_own_name("client peer", cl, 1, known);
  show_own_name("accepted name", conn, 0, known);
  show_own_name("accepted peer", conn, 1, known);
  struct ucred pc;
  socklen_t l = sizeof pc;
  getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &pc, &l);
  printf("accepted peercred pid %s\n", who(pc.pid));
  close(conn);
  close(cl);

  int sv[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  show_own_name("pair name", sv[0], 0, known);
  show_own_name("pair peer", sv[0], 1, known);
  close(sv[0]);
  close(sv[1]);

  int ab = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  len = name_addr(&a, pa, 1);
  report("bind abstract", bind(ab, (struct sockaddr *)&a, len));
  show_own_name("abstract name", ab, 0, known);
  close(ab);
  ab = socket(AF_UNIX, SOCK_SEQPACKET, 0);
  report("bind abstract full length", bind(ab, (struct sockaddr *)&a, sizeof a));
  gl = sizeof got;
  long r = getsockname(ab, (struct sockaddr *)&got, &gl);
  report("abstract full name", r < 0 ? r : (long)gl);
  close(ab);

  // datagram sockets bound to paths: unconnected sendto, recvfrom names the sender
  unlink(pa);
  unlink(pb);
  int da = socket(AF_UNIX, SOCK_DGRAM, 0), db = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un aa, bb;
  socklen_t la = name_addr(&aa, pa, 0), lb = name_addr(&bb, pb, 0);
  report("bind dgram a", bind(da, (struct sockaddr *)&aa, la));
  report("bind dgram b", bind(db, (struct sockaddr *)&bb, lb));
  report("bind dgram again", bind(da, (struct sockaddr *)&bb, lb));
  int dx = socket(AF_UNIX, SOCK_DGRAM, 0);
  report("bind dgram taken", bind(dx, (struct sockaddr *)&aa, la));
  report("send unconnected", send(da, "x", 1, 0));
  report("sendto b", sendto(da, "from a", 6, 0, (struct sockaddr *)&bb, lb));
  report("sendto b unbound", sendto(dx, "from x", 6, 0, (struct sockaddr *)&bb, lb));
  char buf[64];
  for (int i = 0; i < 2; i++) {
    gl = sizeof got;
    long n = recvfrom(db, buf, sizeof buf, 0, (struct sockaddr *)&got, &gl);
    show("recvfrom", buf, n);
    show_name("  from", n, &got, gl, known);
  }
  // a bound socket holds a few datagrams from senders it is not connected to (max_dgram_qlen)
  int queued = 0;
  while (queued < 100 && sendto(dx, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&bb, lb) == 1) queued++;
  printf("queued before EAGAIN: %d (%s)\n", queued, strerrorname_np(errno));
  while (recv(db, buf, sizeof buf, MSG_DONTWAIT) > 0) queued--;
  printf("all received: %d\n", queued == 0);
  report("sendto to itself", sendto(db, "me", 2, 0, (struct sockaddr *)&bb, lb));
  {
    char b2[8];
    struct iovec iov = {b2, sizeof b2};
    struct msghdr r = {.msg_iov = &iov, .msg_iovlen = 1, .msg_name = &got, .msg_namelen = sizeof got};
    long n = recvmsg(db, &r, 0);
    show_name("recvmsg name", n, &got, r.msg_namelen, known);
  }
  report("connect dgram x to a", connect(dx, (struct sockaddr *)&aa, la));
  show_own_name("dgram peer", dx, 1, known);
  report("send connected", send(dx, "xa", 2, 0));
  show("a receives", buf, recv(da, buf, sizeof buf, 0));
  report("connect dgram a to b", connect(da, (struct sockaddr *)&bb, lb));
  report("x to a, connected elsewhere", send(dx, "no", 2, 0));
  report("sendto nothing there", sendto(db, "n", 1, 0, (struct sockaddr *)&(struct sockaddr_un){AF_UNIX, "no-such-sys-msg-sock"}, sizeof(struct sockaddr_un)));
  len = name_addr(&a, pl, 0);
  report("sendto stream listener", sendto(db, "n", 1, 0, (struct sockaddr *)&a, len));
  report("connect dgram to stream", connect(db, (struct sockaddr *)&a, len));
  close(da);
  report("send to closed peer", send(dx, "gone", 4, 0));
  report("send again", send(dx, "gone", 4, 0));
  close(db);
  close(dx);
  close(s);
  unlink(pa);
  unlink(pb);
  unlink(pl);
}

static void options(void) {
  printf("-- options\n");
  int types[3] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
  int opts[][2] = {{SO_TYPE, 0}, {SO_DOMAIN, 0}, {SO_PROTOCOL, 0}, {SO_ACCEPTCONN, 0}, {SO_ERROR, 0}, {SO_REUSEADDR, 0}};
  const char *names[] = {"SO_TYPE", "SO_DOMAIN", "SO_PROTOCOL", "SO_ACCEPTCONN", "SO_ERROR", "SO_REUSEADDR"};
  for (int t = 0; t < 3; t++) {
    int s = socket(AF_UNIX, types[t], 0);
    printf("type %d:", types[t]);
    for (int i = 0; i < 6; i++) {
      int v = -1;
      socklen_t l = sizeof v;
      int r = getsockopt(s, SOL_SOCKET, opts[i][0], &v, &l);
      if (r < 0) printf(" %s=%s", names[i], strerrorname_np(errno));
      else printf(" %s=%d", names[i], v);
    }
    printf("\n");
    close(s);
  }
  int s = socket(AF_UNIX, SOCK_STREAM, 0), v, one = 1;
  socklen_t l = sizeof v;
  getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l);
  printf("SO_SNDBUF default: %d\n", v);
  getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l);
  printf("SO_RCVBUF default: %d\n", v);
  v = 4096;
  report("set SO_SNDBUF 4096", setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v));
  getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &l);
  printf("SO_SNDBUF: %d\n", v);
  v = 100000;
  report("set SO_RCVBUF 100000", setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
  getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &l);
  printf("SO_RCVBUF: %d\n", v);
  report("set SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  getsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, &l);
  printf("SO_REUSEADDR: %d\n", v);
  report("set SO_TYPE", setsockopt(s, SOL_SOCKET, SO_TYPE, &one, sizeof one));
  report("set short optlen", setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, 2));
  report("get unknown option", getsockopt(s, SOL_SOCKET, 9999, &v, &l));
  report("get level SOL_TCP", getsockopt(s, 6, 1, &v, &l));
  report("set level SOL_TCP", setsockopt(s, 6, 1, &one, sizeof one));
  report("get level 999", getsockopt(s, 999, 1, &v, &l));
  report("set unknown option", setsockopt(s, SOL_SOCKET, 9999, &one, sizeof one));
  l = 1;
  v = 0;
  report("get SO_TYPE into 1 byte", getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &l));
  printf("  value %d len %d\n", v, (int)l);
  l = sizeof v;
  int pp[2];
  pipe(pp);
  report("getsockopt pipe", getsockopt(pp[0], SOL_SOCKET, SO_TYPE, &v, &l));
  report("setsockopt pipe", setsockopt(pp[0], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
  report("getsockopt bad fd", getsockopt(77, SOL_SOCKET, SO_TYPE, &v, &l));
  struct sockaddr_un sa;
  l = sizeof sa;
  report("getsockname pipe", getsockname(pp[0], (struct sockaddr *)&sa, &l));
  close(pp[0]);
  close(pp[1]);
  close(s);
}

// An automatic name (bind of the family alone), and SO_RCVTIMEO/SO_SNDTIMEO.
static void autobind_and_timeouts(void) {
  printf("-- autobind and timeouts\n");
  int s = socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX}, got;
  report("bind family alone", bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
  socklen_t gl = sizeof got;
  getsockname(s, (struct sockaddr *)&got, &gl);
  int hex = 1;
  for (int i = 1; i < (int)gl - 2; i++) hex &= !!strchr("0123456789abcdef", got.sun_path[i]);
  printf("automatic name: len %d abstract %d hex %d\n", (int)gl, got.sun_path[0] == 0, hex);
  report("bind again", bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
  int t = socket(AF_UNIX, SOCK_DGRAM, 0), one = 1;
  setsockopt(t, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
  report("passcred sender sends", sendto(t, "auto", 4, 0, (struct sockaddr *)&got, gl));
  char buf[16];
  struct sockaddr_un from;
  socklen_t fl = sizeof from;
  long n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
  show("received", buf, n);
  printf("sender got a name: len %d abstract %d\n", (int)fl, fl > 2 && from.sun_path[0] == 0);
  close(t);

  struct timeval tv = {.tv_sec = 0, .tv_usec = 20000}, back;
  report("SO_RCVTIMEO", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  socklen_t tl = sizeof back;
  getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &back, &tl);
  printf("timeout back: %ld.%06ld len %d\n", (long)back.tv_sec, (long)back.tv_usec, (int)tl);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  report("recv times out", recv(s, buf, sizeof buf, 0));
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
  printf("waited 20ms or more: %d\n", ms >= 20);
  tv.tv_usec = 1000000;
  report("SO_RCVTIMEO usec 1000000", setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  close(s);
}

static void shutdowns(void) {
  printf("-- shutdown\n");
  int how[3] = {SHUT_RD, SHUT_WR, SHUT_RDWR};
  int types[3] = {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};
  const char *type_names[3] = {"stream", "dgram", "seqpacket"};
  char buf[16];
  for (int t = 0; t < 3; t++)
    for (int h = 0; h < 3; h++) {
      int sv[2];
      socketpair(AF_UNIX, types[t], 0, sv);
      printf("%s how %d:\n", type_names[t], how[h]);
      report("  shutdown", shutdown(sv[0], how[h]));
      show_poll("  poll self", sv[0]);
      show_poll("  poll peer", sv[1]);
      report("  self sends", send(sv[0], "s", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
      report("  peer sends", send(sv[1], "p", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
      show("  self receives", buf, recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
      show("  peer receives", buf, recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
      close(sv[0]);
      close(sv[1]);
    }
  // a peer that closes with data unread resets the connection (once)
  for (int t = 0; t < 3; t += 2) {
    int sv[2];
    socketpair(AF_UNIX, types[t], 0, sv);
    send(sv[1], "unread", 6, 0);
    send(sv[0], "for 1", 5, 0);
    close(sv[0]);
    printf("%s closed unread:\n", type_names[t]);
    show_poll("  poll", sv[1]);
    show("  read", buf, read(sv[1], buf, sizeof buf));
    int e = -1;
    socklen_t l = sizeof e;
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &e, &l);
    printf("  SO_ERROR %s\n", e ? strerrorname_np(e) : "0");
    show("  read", buf, read(sv[1], buf, sizeof buf));
    show("  read", buf, read(sv[1], buf, sizeof buf));
    close(sv[1]);
  }
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  report("shutdown unconnected", shutdown(s, SHUT_RDWR));
  show_poll("poll unconnected after shutdown", s);
  close(s);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc > 1 && strcmp(argv[1], "inet") == 0) {
    for (int i = 0; i < 2; i++) {
      int s = socket(AF_INET, SOCK_STREAM, 0);
      report("socket AF_INET", s < 0 ? -1 : 0);
    }
    return 0;
  }
  const char *t = getenv("SYS_MSG_TAG");
  snprintf(tag, sizeof tag, "%s", t ? t : "");
  parent_pid = getpid();
  rights_fork();
  rights_rules();
  credentials();
  iovecs_and_flags();
  names();
  options();
  autobind_and_timeouts();
  shutdowns();
  if (argc > 1 && strcmp(argv[1], "linux") == 0) qemu_differs();
  return 0;
}
