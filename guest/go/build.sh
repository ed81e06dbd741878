#!/bin/sh
# Cross-builds the Go guests of test/differential/go.test.ts as static riscv64 Linux programs with
# Debian's Go (golang-go). Everything goes outside the repository, Go's own caches too, so that
# a CI machine needs only a writable HOME:
#   $HARTSCOPE_CACHE (default $HOME/.cache/hartscope)/go/bin/NAME
# Usage: sh guest/go/build.sh [gorun ...]
set -eu

here=$(cd "$(dirname "$0")" && pwd)
CACHE=${HARTSCOPE_CACHE:-$HOME/.cache/hartscope}/go
mkdir -p "$CACHE/bin"
export GOCACHE="$CACHE/gocache" GOPATH="$CACHE/gopath" GOFLAGS=-mod=mod GOTOOLCHAIN=local GOPROXY=off
export GOOS=linux GOARCH=riscv64 CGO_ENABLED=0

for what in "${@:-gorun}"; do
  [ -d "$here/$what" ] || { echo "guest/go/build.sh: no program $what in guest/go" >&2; exit 1; }
  (cd "$here" && go build -trimpath -o "$CACHE/bin/$what" "./$what")
  echo "built $CACHE/bin/$what"
done
