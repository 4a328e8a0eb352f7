#!/bin/sh
# The first C block of README.md must be examples/readme_example.c exactly,
# and the built example must succeed and leave its object removed.
# Usage: check-readme.sh README.md readme_example.c BINARY
set -eu
block=$(mktemp "${TMPDIR:-/tmp}/ipcmem-readme.XXXXXX")
trap 'rm -f "$block"' EXIT INT TERM
awk '/^```c$/ { f = 1; next } /^```$/ { if (f) exit } f' "$1" > "$block"
if ! cmp -s "$block" "$2"; then
  echo "README.md's example differs from $2:"
  diff -u "$2" "$block" || true
  exit 1
fi
"$3"
if [ -e /dev/shm/MySharedMemory ]; then
  echo "the example left /dev/shm/MySharedMemory behind"; exit 1
fi
echo "ok: README example matches and runs"
