/* /proc as programs read it: /proc/self/exe, maps, stat, status, cmdline, environ, fd/, the same
 * files of another process (a forked child reads its parent's), /proc/cpuinfo and /proc/meminfo.
 * Lines starting "check" print the same under any Linux (what must be equal); lines starting
 * "machine" describe the machine and differ between hartscope and a host kernel. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[1 << 16];

static ssize_t slurp(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  ssize_t n = 0, r;
  while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
  close(fd);
  buf[n] = 0;
  return n;
}

static const char *base(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* the maps line whose range holds addr: "perms path-basename" */
static void maps_line(const char *what, uintptr_t addr) {
  slurp("/proc/self/maps");
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    unsigned long lo, hi, off;
    char perms[5], dev[16], path[512] = "";
    unsigned long ino;
    int n = sscanf(line, "%lx-%lx %4s %lx %15s %lu %511s", &lo, &hi, perms, &off, dev, &ino, path);
    if (n < 6) {
      printf("check maps bad line: %s\n", line);
      return;
    }
    if (addr >= lo && addr < hi) {
      printf("check maps %s: %s %s\n", what, perms, path[0] == '[' ? path : base(path));
      return;
    }
  }
  printf("check maps %s: none\n", what);
}

static void stat_fields(const char *path, int self) {
  if (slurp(path) < 0) {
    printf("check %s: cannot open\n", path);
    return;
  }
  int pid, ppid, pgrp, sid;
  char comm[64], state;
  int n = sscanf(buf, "%d (%63[^)]) %c %d %d %d", &pid, comm, &state, &ppid, &pgrp, &sid);
  int fields = 0;
  for (char *s = strrchr(buf, ')'); s && *s; s++) fields += *s == ' ';
  int want_pid = self ? getpid() : getppid();
  printf("check stat of %s: parsed %d, pid %d, comm %s, ppid %s, pgrp %d, sid %d, fields %s\n",
         self ? "self" : "parent", n, pid == want_pid, comm, self ? (ppid == getppid() ? "ok" : "wrong") : "-",
         pgrp == getpgid(want_pid), sid == getsid(want_pid), fields >= 43 ? "44+" : "few");
}

static void status_fields(const char *path, int self) {
  slurp(path);
  int want = self ? getpid() : getppid();
  char name[64] = "";
  int pid = -1, ppid = -1, tgid = -1, threads = -1;
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
    sscanf(line, "Name:\t%63s", name);
    sscanf(line, "Pid:\t%d", &pid);
    sscanf(line, "PPid:\t%d", &ppid);
    sscanf(line, "Tgid:\t%d", &tgid);
    sscanf(line, "Threads:\t%d", &threads);
  }
  printf("check status of %s: Name %s, Pid %d, Tgid %d, PPid %s, Threads %d\n", self ? "self" : "parent", name,
         pid == want, tgid == want, self ? (ppid == getppid() ? "ok" : "wrong") : "-", threads);
}

int main(int argc, char **argv) {
  char exe[512], link[512];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n < 0 ? 0 : n] = 0;
  printf("check exe basename %s, absolute %d\n", base(exe), exe[0] == '/');
  int fd = open("/proc/self/exe", O_RDONLY);
  char magic[4] = {0};
  printf("check exe opens %d, reads ELF %d\n", fd >= 0, fd >= 0 && read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0);
  close(fd);
  n = readlink("/proc/self", link, sizeof link - 1);
  link[n < 0 ? 0 : n] = 0;
  printf("check /proc/self is pid %d\n", atoi(link) == getpid());

  int local = 0;
  void *heap = malloc(64);
  maps_line("code", (uintptr_t)&main);
  maps_line("stack", (uintptr_t)&local);
  maps_line("heap", (uintptr_t)heap);

  stat_fields("/proc/self/stat", 1);
  status_fields("/proc/self/status", 1);

  n = slurp("/proc/self/cmdline");
  printf("check cmdline:");
  for (ssize_t i = 0; i < n; i += strlen(buf + i) + 1) printf(" [%s]", i == 0 ? base(buf) : buf + i);
  printf("\n");
  n = slurp("/proc/self/environ");
  int found = 0;
  for (ssize_t i = 0; i < n; i += strlen(buf + i) + 1) found |= strcmp(buf + i, "PROC_FILES_VAR=yes") == 0;
  printf("check environ has PROC_FILES_VAR=yes %d\n", found);

  int p[2];
  if (pipe(p) != 0) return 1;
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
  n = readlink(path, link, sizeof link - 1);
  link[n < 0 ? 0 : n] = 0;
  printf("check fd pipe %s\n", strncmp(link, "pipe:[", 6) == 0 && link[n - 1] == ']' ? "pipe:[N]" : link);
  int ffd = open("/proc/self/exe", O_RDONLY);
  snprintf(path, sizeof path, "/proc/self/fd/%d", ffd);
  n = readlink(path, link, sizeof link - 1);
  link[n < 0 ? 0 : n] = 0;
  printf("check fd file is exe %d\n", strcmp(link, exe) == 0);
  DIR *d = opendir("/proc/self/fd");
  int count = 0, has_pipe = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    count++;
    has_pipe |= atoi(e->d_name) == p[1];
  }
  if (d) closedir(d);
  /* 0-2, the pipe, the exe, and the directory's own descriptor */
  printf("check fd dir entries %d, has pipe %d\n", count, has_pipe);

  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    char q[64];
    snprintf(q, sizeof q, "/proc/%d/stat", getppid());
    stat_fields(q, 0);
    snprintf(q, sizeof q, "/proc/%d/status", getppid());
    status_fields(q, 0);
    snprintf(q, sizeof q, "/proc/%d/exe", getppid());
    n = readlink(q, link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    printf("check child: parent's exe is mine %d\n", strcmp(link, exe) == 0);
    stat_fields("/proc/self/stat", 1);
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(child, &st, 0);

  slurp("/proc/cpuinfo");
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) printf("machine cpuinfo %s\n", line);
  slurp("/proc/meminfo");
  for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
    if (strncmp(line, "MemTotal:", 9) == 0) printf("machine meminfo %s\n", line);
  return 0;
}
