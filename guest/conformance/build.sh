#!/bin/sh
# Builds the conformance kernels in guest/conformance/bin/ (bare metal, M-mode at 0x8000_0000,
# HTIF pass/fail through `tohost`) with Debian's cross toolchain. The binaries are committed; run
# after changing a source:  sh guest/conformance/build.sh
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-linux-gnu-gcc}
mkdir -p bin
# each source assembled to an object of a fixed name first: linked straight from the .S, the binary
# would name a random temporary object in its symbol table, and rebuilds would differ
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for src in *.S; do
  name=${src%.S}
  $CC -march=rv64gc_zicsr_zifencei -mabi=lp64d -mcmodel=medany -fno-pic -c -o "$TMP/$name.o" "$src"
  $CC -static -no-pie -nostdlib -nostartfiles -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    -T conf.ld -o "bin/$name" "$TMP/$name.o"
done
