#!/bin/sh
# Builds the bare-metal kernels in guest/kernels/bin/ for `hartscope system` (QEMU virt's memory
# map, M-mode, -bios none). The binaries are committed; run after changing a source:
#   sh guest/kernels/build.sh
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-linux-gnu-gcc}
FLAGS="-O2 -march=rv64gc -mabi=lp64d -mcmodel=medany -nostdlib -ffreestanding -fno-builtin
  -fno-stack-protector -fno-pic -static -Wall -Wno-unused-parameter -T kernel.ld
  -Wl,--build-id=none -ffile-prefix-map=$(pwd)=guest/kernels"
mkdir -p bin
k() { out=$1; shift; $CC $FLAGS -o "bin/$out" start.S "$@"; }
k hello hello.c
k traps traps.c
k smp2 smp.c -DNHARTS=2
k smp4 smp.c -DNHARTS=4
k htif-pass htif.c -DHTIF_VALUE=1
k htif-fail htif.c "-DHTIF_VALUE=((3<<1)|1)"
k idle idle.c
k echo echo.c
