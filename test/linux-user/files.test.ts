// File syscalls through a real program, inside a --root sandbox: the guest sees the root as /,
// cannot leave it by `..` or symlinks, and finds /proc/self/exe, /proc/self/maps, /dev/null and a
// seeded /dev/urandom where Linux programs expect them.

import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../temp-dir.js";
import { buildC, hartscope, needCC, needQemu, qemu } from "./guest.js";

const SANDBOX_C = String.raw`
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *path) {
  char buf[64] = {0};
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("%s: %s\n", path, strerrorname_np(errno));
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n > 0 ? n : 0] = 0;
  buf[strcspn(buf, "\n")] = 0;
  printf("%s: %s\n", path, buf);
}

int main(void) {
  char cwd[256];
  printf("cwd %s\n", getcwd(cwd, sizeof cwd));
  show("/etc/passwd");
  show("../../../../etc/passwd");
  show("/../../etc/passwd");
  show("/home/abs/passwd");
  show("/home/rel/passwd");
  show("/no/such/file");
  chdir("/home");
  chdir("../../..");
  printf("cwd after climbing %s\n", getcwd(cwd, sizeof cwd));
  char exe[256];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  printf("exe %s\n", exe);
  struct stat a, b;
  stat("/proc/self/exe", &a);
  stat("/prog", &b);
  printf("exe is /prog %d\n", a.st_size == b.st_size && a.st_size > 0);
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[256];
  int stack = 0, heap_or_anon = 0;
  while (fgets(line, sizeof line, maps)) {
    stack |= strstr(line, "[stack]") != 0;
    heap_or_anon |= strstr(line, "rw-p") != 0;
  }
  fclose(maps);
  printf("maps: stack %d rw %d\n", stack, heap_or_anon);
  int null = open("/dev/null", O_WRONLY);
  printf("/dev/null write %zd\n", write(null, "abc", 3));
  unsigned char r[8];
  int ur = open("/dev/urandom", O_RDONLY);
  read(ur, r, sizeof r);
  printf("urandom %02x%02x%02x%02x%02x%02x%02x%02x\n", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
  mkdir("/out", 0755);
  FILE *f = fopen("/out/result.txt", "w");
  fprintf(f, "written by the guest\n");
  fclose(f);
  rename("/out/result.txt", "/out/final.txt");
  DIR *d = opendir("/out");
  struct dirent *e;
  int count = 0;
  while ((e = readdir(d))) count += e->d_name[0] != '.';
  closedir(d);
  printf("entries in /out %d\n", count);
  printf("unlink /etc/passwd/x: %s\n", unlink("/etc/passwd/x") ? strerrorname_np(errno) : "ok");
  return 0;
}
`;

function sandbox(prog: string): string {
  const root = tempDir("hartscope-root-");
  mkdirSync(join(root, "etc"));
  mkdirSync(join(root, "home"));
  writeFileSync(join(root, "etc/passwd"), "the guest's passwd\n");
  symlinkSync("/etc", join(root, "home/abs"));
  symlinkSync("../../../../../../../etc", join(root, "home/rel"));
  copyFileSync(prog, join(root, "prog"));
  return root;
}

test("the root directory is the guest's /, and nothing leads out of it", { skip: needCC }, () => {
  const prog = buildC("sandbox", SANDBOX_C);
  const root = sandbox(prog);
  const r = hartscope(["run", "--root", root, "--seed", "3", join(root, "prog")], { cwd: root });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const lines = r.stdout.split("\n");
  assert.deepEqual(lines.slice(0, 12), [
    "cwd /",
    "/etc/passwd: the guest's passwd",
    "../../../../etc/passwd: the guest's passwd",
    "/../../etc/passwd: the guest's passwd",
    "/home/abs/passwd: the guest's passwd",
    "/home/rel/passwd: the guest's passwd",
    "/no/such/file: ENOENT",
    "cwd after climbing /",
    "exe /prog",
    "exe is /prog 1",
    "maps: stack 1 rw 1",
    "/dev/null write 3",
  ]);
  assert.match(lines[12]!, /^urandom [0-9a-f]{16}$/);
  assert.deepEqual(lines.slice(13), ["entries in /out 1", "unlink /etc/passwd/x: ENOTDIR", ""]);
  assert.equal(readFileSync(join(root, "out/final.txt"), "utf8"), "written by the guest\n");
  // /dev/urandom is the seeded generator
  const again = hartscope(["run", "--root", sandbox(prog), "--seed", "3", join(root, "prog")], { cwd: root });
  assert.equal(again.stdout.split("\n")[12], lines[12]);
});

test("the guest starts in the host's current directory when it lies inside the root", {
  skip: needCC,
}, () => {
  const prog = buildC("sandbox", SANDBOX_C);
  const root = sandbox(prog);
  const r = hartscope(["run", "--root", root, join(root, "prog")], { cwd: join(root, "home") });
  assert.match(r.stdout, /^cwd \/home\n/);
});

test("the default root is the current directory", { skip: needCC }, () => {
  const prog = buildC("sandbox", SANDBOX_C);
  const root = sandbox(prog);
  const r = hartscope(["run", "prog"], { cwd: root });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /\/etc\/passwd: the guest's passwd\n/);
  assert.match(r.stdout, /\nexe \/prog\n/);
});

const IO_C = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <unistd.h>
int main(void) {
  char buf[256];
  size_t total = 0;
  ssize_t n;
  while ((n = read(0, buf, sizeof buf)) > 0) total += (size_t)n;
  printf("stdin %zu bytes\n", total);
  struct iovec iov[3] = {{"wri", 3}, {"tev", 3}, {"\n", 1}};
  fflush(stdout);
  printf("writev %zd\n", writev(1, iov, 3));
  struct termios t;
  printf("stdout is a tty: %d (%s)\n", tcgetattr(1, &t) == 0, strerrorname_np(errno));
  struct winsize ws;
  printf("TIOCGWINSZ on a pipe: %d\n", ioctl(0, TIOCGWINSZ, &ws));
  struct utsname u;
  uname(&u);
  printf("uname %s %s\n", u.sysname, u.machine);
  printf("bad fd: %zd %s\n", write(42, "x", 1), strerrorname_np(errno));
  int fd = open("io-test.tmp", O_CREAT | O_RDWR | O_TRUNC, 0644);
  pwrite(fd, "hello, world", 12, 0);
  char small[6] = {0};
  pread(fd, small, 5, 7);
  printf("pread '%s' lseek end %ld\n", small, (long)lseek(fd, 0, SEEK_END));
  struct stat st;
  fstat(fd, &st);
  printf("fstat size %ld regular %d\n", (long)st.st_size, S_ISREG(st.st_mode));
  int fd2 = dup(fd);
  lseek(fd2, 2, SEEK_SET);
  printf("dup shares the offset: %ld\n", (long)lseek(fd, 0, SEEK_CUR));
  printf("cloexec %d\n", fcntl(fcntl(fd, F_DUPFD_CLOEXEC, 10), F_GETFD));
  close(fd);
  close(fd2);
  unlink("io-test.tmp");
  fprintf(stderr, "to stderr\n");
  return 0;
}
`;

test("stdin, stdout, stderr are the host's; basic I/O calls match qemu", { skip: needCC }, async (t) => {
  const prog = buildC("io", IO_C);
  const dir = tempDir("hartscope-io-");
  const input = "x".repeat(10_000);
  const r = hartscope(["run", prog], { cwd: dir, input });
  assert.equal(r.status, 0);
  assert.equal(r.stderr, "to stderr\n");
  assert.equal(
    r.stdout,
    [
      "stdin 10000 bytes",
      "writev",
      "writev 7",
      "stdout is a tty: 0 (ENOTTY)",
      "TIOCGWINSZ on a pipe: -1",
      "uname Linux riscv64",
      "bad fd: -1 EBADF",
      "pread 'world' lseek end 12",
      "fstat size 12 regular 1",
      "dup shares the offset: 2",
      "cloexec 1",
      "",
    ].join("\n"),
  );
  await t.test("same as qemu-riscv64", { skip: needQemu }, () => {
    assert.equal(qemu([prog], { cwd: dir, input }).stdout, r.stdout);
  });
});
