#!/usr/bin/env bash
# Build the official riscv-tests (rv64 "p" and "v" variants) from a source tree kept OUTSIDE this
# repository (they are not hartscope's code): DIR holds isa/rv64*/ *.S, isa/macros/scalar/ and env/
# (env/p, env/v, encoding.h) as riscv-software-src/riscv-tests and riscv/riscv-test-env lay them out.
# Binaries go to DIR/build/ named as upstream names them (rv64ui-p-add, rv64ui-v-add, ...).
#   bench/riscv-tests/build.sh ~/.cache/hartscope/riscv-tests
set -euo pipefail
shopt -s nullglob
DIR=${1:?usage: build.sh DIR (a riscv-tests source tree)}
CC=${RISCV_GCC:-riscv64-linux-gnu-gcc}
OUT="$DIR/build"
mkdir -p "$OUT"
OPTS=(-static -fno-pic -no-pie -Wl,--build-id=none -Wl,--no-warn-rwx-segments -mcmodel=medany -fvisibility=hidden -nostdlib -nostartfiles -mabi=lp64d -DENTROPY=0x2a)
# suite : -march : variants ("p" machine-mode physical, "v" user-mode under vm.c's demand paging)
SUITES="rv64ui:rv64g:pv rv64um:rv64g:pv rv64ua:rv64g:pv rv64uf:rv64g:pv rv64ud:rv64g:pv rv64uc:rv64gc:pv rv64si:rv64g:p rv64mi:rv64g:p"
built=0; failed=0
for s in $SUITES; do
  IFS=: read -r suite march variants <<<"$s"
  [ -d "$DIR/isa/$suite" ] || continue
  for src in "$DIR/isa/$suite"/*.S; do
    t=$(basename "$src" .S)
    for v in $(grep -o . <<<"$variants"); do
      bin="$OUT/$suite-$v-$t"
      # up to date when newer than its source and every shared header (rv64mi includes rv64si's)
      if [ "$bin" -nt "$src" ] && [ -z "$(find "$DIR/env" "$DIR/isa/macros" "$DIR/isa/rv64si" -newer "$bin" -print -quit)" ]; then
        built=$((built+1)); continue
      fi
      if [ "$v" = p ]; then
        cmd=("$CC" -march="${march}_zicsr_zifencei" "${OPTS[@]}" -I"$DIR/env/p" -I"$DIR/isa/macros/scalar"
             -T"$DIR/env/p/link.ld" "$src" -o "$bin")
      else
        cmd=("$CC" -march="${march}_zicsr_zifencei" "${OPTS[@]}" -std=gnu99 -O2 -I"$DIR/env/v" -I"$DIR/isa/macros/scalar"
             -T"$DIR/env/v/link.ld" "$DIR/env/v/entry.S" "$DIR/env/v/vm.c" "$DIR/env/v/string.c" "$src" -o "$bin")
      fi
      if "${cmd[@]}" 2>"$bin.err"; then rm -f "$bin.err"; built=$((built+1)); else failed=$((failed+1)); echo "build failed: $suite-$v-$t (see $bin.err)" >&2; fi
    done
  done
done
echo "$built built, $failed failed to build ($OUT)"
