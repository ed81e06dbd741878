#!/bin/sh
# Builds real software from Debian's source packages as static riscv64 programs, for the
# differential tests of test/differential/debian*.test.ts and bench/real-programs.ts. Needs
# deb-src lines for the archive (bookworm), dpkg-dev, make, gcc-riscv64-linux-gnu, and for jq
# autoconf, automake and libtool. Everything goes outside the repository:
#   $HARTSCOPE_CACHE (default $HOME/.cache/hartscope)/debian/bin/NAME
# Each build makes only the program, static, with -j$JOBS (default 2); the source package is
# fetched and unpacked once, in .../debian/src.
# Usage: sh guest/debian/build.sh [busybox|jq|zstd|lz4|lua|all]...   (default: busybox)
set -eu

CACHE=${HARTSCOPE_CACHE:-$HOME/.cache/hartscope}/debian
CROSS=${CROSS:-riscv64-linux-gnu-}
JOBS=${JOBS:-2}
mkdir -p "$CACHE/src" "$CACHE/bin"

# Fetch and unpack (with Debian's patches) a source package once.
unpack() { # package -> prints the source directory
  cd "$CACHE/src"
  dir=$(ls -d "$1"-*/ 2>/dev/null | head -n 1)
  if [ -z "$dir" ]; then
    apt-get source --download-only "$1" >&2
    dpkg-source -x "$(ls "$1"_*.dsc | head -n 1)" >&2
    dir=$(ls -d "$1"-*/ | head -n 1)
  fi
  echo "$CACHE/src/${dir%/}"
}

# Runs a build step with its output in $CACHE/NAME.log; on failure shows the log's end.
logged() { # name command...
  log="$CACHE/$1.log"
  shift
  if ! "$@" >>"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "guest/debian/build.sh: failed: $* (log: $log)" >&2
    exit 1
  fi
}

# Copies a built program into bin/ and says how long its build took.
installed() { # name path start-seconds
  cp "$2" "$CACHE/bin/$1.tmp"
  mv "$CACHE/bin/$1.tmp" "$CACHE/bin/$1"
  echo "built $CACHE/bin/$1 in $(($(date +%s) - $3)) s"
}

busybox() {
  t0=$(date +%s)
  src=$(unpack busybox)
  out="$CACHE/build-busybox"
  mkdir -p "$out"
  make -C "$src" O="$out" defconfig >/dev/null
  # static, and without the applets that need what a cross libc does not give (tc: kernel headers)
  sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' \
    -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' \
    -e 's/^CONFIG_FEATURE_TC_INGRESS=y/# CONFIG_FEATURE_TC_INGRESS is not set/' "$out/.config"
  yes '' | make -C "$src" O="$out" oldconfig >/dev/null
  make -C "$src" O="$out" CROSS_COMPILE="$CROSS" -j"$JOBS" busybox >/dev/null
  installed busybox "$out/busybox" "$t0"
}

# jq 1.6 and its own test suite (tests/jq.test, run by `jq --run-tests`). Without oniguruma: the
# regular-expression builtins are then absent, and their tests are jq's separate onig.test.
jq() {
  t0=$(date +%s)
  src=$(unpack jq)
  out="$CACHE/build-jq"
  # the release has no configure script; Debian's build makes it the same way
  [ -x "$src/configure" ] || logged jq sh -c 'cd "$1" && autoreconf -fi' sh "$src"
  mkdir -p "$out"
  if [ ! -f "$out/Makefile" ]; then
    logged jq sh -c 'cd "$1" && shift && "$@"' sh "$out" "$src/configure" --host="${CROSS%-}" \
      --disable-maintainer-mode --disable-docs --without-oniguruma --disable-shared --enable-static \
      --enable-all-static CFLAGS=-O2
  fi
  # the generated sources first (make's BUILT_SOURCES are made for `all`, not for one program)
  logged jq make -C "$out" -j"$JOBS" src/builtin.inc src/version.h
  logged jq make -C "$out" -j"$JOBS" jq
  installed jq "$out/jq" "$t0"
}

# zstd's command-line program (Debian's source package is libzstd), without zlib/lzma/lz4 formats
zstd() {
  t0=$(date +%s)
  src=$(unpack libzstd)
  logged zstd make -C "$src/programs" CC="${CROSS}gcc" LDFLAGS=-static HAVE_ZLIB=0 HAVE_LZMA=0 \
    HAVE_LZ4=0 -j"$JOBS" zstd-release
  installed zstd "$src/programs/zstd" "$t0"
}

# lz4's command-line program. Debian's patch links it against a shared liblz4; compiled here
# from the library's and the program's sources together, with the flags of lz4's own makefile.
lz4() {
  t0=$(date +%s)
  src=$(unpack lz4)
  out="$CACHE/build-lz4"
  mkdir -p "$out"
  # shellcheck disable=SC2046 # one word per file
  logged lz4 "${CROSS}gcc" -O2 -static -I"$src/lib" -DXXH_NAMESPACE=LZ4_ -o "$out/lz4" \
    $(ls "$src"/lib/*.c "$src"/programs/*.c)
  installed lz4 "$out/lz4" "$t0"
}

# Lua 5.4's stand-alone interpreter. Debian's patches move the build to libtool; the interpreter
# is every .c file of src/ but the compiler's, compiled together (as Lua's own makefile does).
lua() {
  t0=$(date +%s)
  src=$(unpack lua5.4)
  out="$CACHE/build-lua"
  mkdir -p "$out"
  files=$(ls "$src"/src/*.c | grep -v '/luac\.c$')
  # Debian's luaconf.h takes the multiarch triplet (its module paths) from a generated header
  echo '#define DEB_HOST_MULTIARCH "riscv64-linux-gnu"' >"$out/lua5.4-deb-multiarch.h"
  # shellcheck disable=SC2086 # one word per file
  logged lua "${CROSS}gcc" -O2 -static -std=gnu99 -DLUA_USE_POSIX -DLUA_COMPAT_5_3 -I"$out" -o "$out/lua" $files -lm
  installed lua "$out/lua" "$t0"
}

for what in "${@:-busybox}"; do
  case $what in
    busybox) busybox ;;
    jq) jq ;;
    zstd) zstd ;;
    lz4) lz4 ;;
    lua) lua ;;
    all) busybox; jq; zstd; lz4; lua ;;
    *) echo "guest/debian/build.sh: unknown package $what" >&2; exit 1 ;;
  esac
done
