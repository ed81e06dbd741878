#!/bin/sh
# Builds real software from Debian's source packages as static riscv64 programs, for the
# differential tests of test/differential/debian.test.ts. Needs deb-src lines for the archive
# (bookworm), dpkg-dev, make and gcc-riscv64-linux-gnu. Everything goes outside the repository:
#   $HARTSCOPE_CACHE (default $HOME/.cache/hartscope)/debian/bin/NAME
# Usage: sh guest/debian/build.sh [busybox]
set -eu

CACHE=${HARTSCOPE_CACHE:-$HOME/.cache/hartscope}/debian
CROSS=${CROSS:-riscv64-linux-gnu-}
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

busybox() {
  src=$(unpack busybox)
  out="$CACHE/build-busybox"
  mkdir -p "$out"
  make -C "$src" O="$out" defconfig >/dev/null
  # static, and without the applets that need what a cross libc does not give (tc: kernel headers)
  sed -i -e 's/^# CONFIG_STATIC is not set/CONFIG_STATIC=y/' \
    -e 's/^CONFIG_TC=y/# CONFIG_TC is not set/' \
    -e 's/^CONFIG_FEATURE_TC_INGRESS=y/# CONFIG_FEATURE_TC_INGRESS is not set/' "$out/.config"
  yes '' | make -C "$src" O="$out" oldconfig >/dev/null
  make -C "$src" O="$out" CROSS_COMPILE="$CROSS" -j"$(nproc)" busybox >/dev/null
  cp "$out/busybox" "$CACHE/bin/busybox"
  echo "built $CACHE/bin/busybox"
}

for what in "${@:-busybox}"; do
  case $what in
    busybox) busybox ;;
    *) echo "guest/debian/build.sh: unknown package $what" >&2; exit 1 ;;
  esac
done
