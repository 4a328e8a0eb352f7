#!/bin/sh
# The C block of README.md's "Example: a list in shared memory" must compile
# cleanly against <ipcmem/relptr.h> (strict C11, every warning an error).
# Usage: check-relptr-readme.sh README.md INCLUDE_DIR "CC FLAGS"
set -eu
readme=$1
inc=$2
cc=$3
block=$(mktemp "${TMPDIR:-/tmp}/ipcmem-relptr-readme.XXXXXX")
trap 'rm -f "$block"' EXIT INT TERM
awk '/^## Example: a list in shared memory$/ { s = 1 }
     s && /^```c$/ { f = 1; next }
     f && /^```$/ { exit }
     f' "$readme" > "$block"
if ! grep -q node_ptr_get "$block"; then
  echo "README.md has no list example"; exit 1
fi
# shellcheck disable=SC2086
$cc -std=c11 -Wall -Wextra -Wpedantic -Werror -fsyntax-only -I"$inc" \
  -x c "$block"
echo "ok: README's list example compiles ($(grep -c . "$block") lines)"
