#!/bin/sh
# Builds the guest programs in guest/bin/ from guest/src/ with Debian's cross toolchain
# (gcc-riscv64-linux-gnu). The binaries are committed, so tests run without the toolchain;
# run this after changing a source:  sh guest/build.sh [NAME...]
#
# Kinds of program:
#   glibc      static glibc program           -static
#   dynamic    dynamically linked glibc       (needs a sysroot: /usr/riscv64-linux-gnu)
#   rt         freestanding on guest/rt       -static -nostdlib
#   rt-pie     freestanding on guest/rt       -static-pie -nostdlib (self-relocating)
# Symbols are kept (never stripped); -g adds line info for our own sources only.
set -eu

cd "$(dirname "$0")"
CC=${CC:-riscv64-linux-gnu-gcc}
OUT=bin
# -ffile-prefix-map keeps the build directory out of the binaries, so rebuilds are reproducible.
COMMON="-O2 -march=rv64gc -mabi=lp64d -g -Wall -Wextra -Wno-unused-parameter -ffile-prefix-map=$(pwd)=guest"
RTFLAGS="-ffreestanding -fno-builtin -fno-stack-protector -nostdlib -Irt"
LDFLAGS="-Wl,--build-id=none"

# name        kind     sources (in src/ unless they start with rt/)       extra flags and libraries
PROGRAMS='
hello         glibc    hello.c
hello-dynamic dynamic  hello.c
hello-pie     rt-pie   hello-pie.c
isa-int       rt       isa-int.c
isa-int-pie   rt-pie   isa-int.c
isa-atomic    rt       isa-atomic.c
isa-fp        glibc    isa-fp.c                                             -lm
isa-csr       rt       isa-csr.c
isa-bitmanip  rt       isa-bitmanip.c                                       -march=rv64gc_zba_zbb
rvc-align     rt       rvc-align.c:rvc-align.S
selfmod       rt       selfmod.c
selfmod-pie   rt-pie   selfmod.c
threads       glibc    threads.c                                            -lpthread
proc-events   glibc    proc-events.c                                        -lpthread
dyn-alloc     dynamic  dyn-alloc.c
sys-files     glibc    sys-files.c
sys-mem       rt       sys-mem.c
sys-reserve   rt       sys-reserve.c
sys-bigmem    glibc    sys-bigmem.c
sys-env       glibc    sys-env.c
sys-seek      glibc    sys-seek.c
sys-fault     glibc    sys-fault.c
sys-partial   glibc    sys-partial.c
sys-wait      glibc    sys-wait.c                                           -lpthread
sys-unix      glibc    sys-unix.c                                           -lpthread
sys-hangup    glibc    sys-hangup.c                                         -lpthread
sys-flock     glibc    sys-flock.c
sys-msg       glibc    sys-msg.c
signals       glibc    signals.c
exit42        glibc    exit42.c
wc            glibc    wc.c
sigill        rt       sigill.c
sigsegv       rt       sigsegv.c
sha256        glibc    sha256.c
sort          glibc    sort.c
interp        glibc    interp.c
nbody         glibc    nbody.c                                              -lm
fp-inline     glibc    fp-inline.c
hashtab       glibc    hashtab.c
lz            glibc    lz.c
calls         glibc    calls.c                                              -lpthread
calls-dynamic dynamic  calls.c                                              -lpthread
trace-exec    dynamic  trace-exec.c
proc-fork     glibc    proc-fork.c                                          -lpthread
proc-exec     glibc    proc-exec.c                                          -lpthread
proc-files    glibc    proc-files.c
proc-pids     glibc    proc-pids.c
proc-jobs     glibc    proc-jobs.c                                          -lpthread
proc-shared   glibc    proc-shared.c                                        -lpthread
debuggee      glibc    debuggee.c                                           -lpthread
'

mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rt_objects() { # $1 = rt | rt-pie
  if [ "$1" = rt-pie ]; then pie="-fPIE -DRT_PIE"; else pie="-fno-pie"; fi
  $CC $COMMON $RTFLAGS $pie -fno-tree-loop-distribute-patterns -c rt/rt.c -o "$tmp/rt-$1.o"
  $CC $COMMON $RTFLAGS $pie -c rt/start.S -o "$tmp/start-$1.o"
  echo "$tmp/start-$1.o $tmp/rt-$1.o"
}

build() { # name kind sources libs...
  name=$1 kind=$2 srcs=$(echo "$3" | tr ':' ' ')
  shift 3
  files=""
  for s in $srcs; do files="$files src/$s"; done
  case $kind in
    glibc) $CC $COMMON -static $files -o "$OUT/$name" $LDFLAGS "$@" ;;
    dynamic) $CC $COMMON $files -o "$OUT/$name" $LDFLAGS "$@" ;;
    rt) $CC $COMMON $RTFLAGS -fno-pie -static "$@" $files $(rt_objects rt) -o "$OUT/$name" $LDFLAGS -Wl,-z,separate-code -lgcc ;;
    # gcc's -static-pie spec still asks for an interpreter on this target: say there is none.
    rt-pie) $CC $COMMON $RTFLAGS -fPIE -static-pie $files $(rt_objects rt-pie) -o "$OUT/$name" $LDFLAGS \
      -Wl,--no-dynamic-linker -lgcc ;;
    *) echo "build.sh: unknown kind '$kind' for $name" >&2; exit 1 ;;
  esac
  echo "built $OUT/$name ($kind)"
}

echo "$PROGRAMS" | while read -r name kind srcs libs; do
  [ -n "$name" ] || continue
  if [ $# -gt 0 ]; then
    wanted=no
    for w in "$@"; do [ "$w" = "$name" ] && wanted=yes; done
    [ $wanted = yes ] || continue
  fi
  # shellcheck disable=SC2086
  build "$name" "$kind" "$srcs" $libs
done
