#!/bin/sh
# Builds the bare-metal kernels in guest/kernels/bin/ for `hartscope system` (QEMU virt's memory
# map, M-mode, -bios none). The binaries are committed; run after changing a source:
#   sh guest/kernels/build.sh
set -eu
cd "$(dirname "$0")"
CC=${CC:-riscv64-linux-gnu-gcc}
FLAGS="-O2 -march=rv64gc -mabi=lp64d -mcmodel=medany -nostdlib -ffreestanding -fno-builtin
  -fno-stack-protector -fno-pic -static -Wall -Wno-unused-parameter
  -Wl,--build-id=none -ffile-prefix-map=$(pwd)=guest/kernels"
mkdir -p bin
# start.S as an object of a fixed name: assembled with the C file in one command, the binary would
# name a random temporary object in its symbol table, and rebuilds would differ
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
$CC $FLAGS -c -o "$TMP/start.o" start.S
k() { out=$1; shift; $CC $FLAGS -T kernel.ld -o "bin/$out" "$TMP/start.o" "$@"; }
k hello hello.c
k traps traps.c
k smp2 smp.c -DNHARTS=2
k smp4 smp.c -DNHARTS=4
k htif-pass htif.c -DHTIF_VALUE=1
k htif-fail htif.c "-DHTIF_VALUE=((3<<1)|1)"
k idle idle.c
k echo echo.c
k virtio-probe virtio-probe.c
k reset reset.c
k interleave4 interleave.c -DNHARTS=4
# an S-mode payload for OpenSBI (fw_jump's 0x8020_0000), raw as -kernel takes it
$CC -march=rv64gc -mabi=lp64d -c -o "$TMP/sbi-hello.o" sbi-hello.S
$CC -nostdlib -ffreestanding -march=rv64gc -mabi=lp64d -static -Wl,-Ttext=0x80200000 \
  -Wl,--build-id=none -o bin/sbi-hello "$TMP/sbi-hello.o"
${OBJCOPY:-riscv64-linux-gnu-objcopy} -O binary bin/sbi-hello bin/sbi-hello.bin
# S-mode kernels for an SBI firmware (hartscope's built-in one, or OpenSBI under QEMU) at 0x8020_0000
$CC $FLAGS -c -o "$TMP/start-s.o" start-s.S
s() { out=$1; shift; $CC $FLAGS -T smode.ld -o "bin/$out" "$TMP/start-s.o" "$@"; }
s sbi-base sbi-base.c
s sbi-smp sbi-smp.c
s sbi-smp-nonret sbi-smp.c -DNONRETENTIVE
s sbi-v2 sbi-v2.c
s delay delay.c
s delay-busy delay.c -DBUSY
s paging paging.c
s threads threads.c
