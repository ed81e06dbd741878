#!/bin/sh
# Builds the conformance kernels in guest/conformance/bin/ (bare metal, M-mode at 0x8000_0000,
# HTIF pass/fail through `tohost`) with Debian's cross toolchain. The binaries are committed; run
# after changing a source:  sh guest/conformance/build.sh
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-linux-gnu-gcc}
mkdir -p bin
for src in *.S; do
  name=${src%.S}
  $CC -march=rv64gc_zicsr_zifencei -mabi=lp64d -mcmodel=medany -static -fno-pic -no-pie -nostdlib \
    -nostartfiles -Wl,--build-id=none -Wl,--no-warn-rwx-segments -T conf.ld -o "bin/$name" "$src"
done
