#!/bin/sh
# Type safety of <ipcmem/relptr.h>: relptr_types.c must compile as it is and
# must fail to compile with each RELPTR_MISTAKE, in C and (when a C++
# compiler is given) in C++, with the project's warning flags.
# Usage: check-relptr-types.sh relptr_types.c INCLUDE_DIR "CC FLAGS" "CXX FLAGS"
set -eu
src=$1
inc=$2
cc=$3
cxx=${4:-}
flags="-Wall -Wextra -Wpedantic -Werror -fsyntax-only -I$inc"

check() {
  lang=$1
  shift
  # shellcheck disable=SC2086
  if ! "$@" $flags -DRELPTR_MISTAKE=0 "$src"; then
    echo "FAIL: the correct program does not compile as $lang"; exit 1
  fi
  for m in 1 2 3 4; do
    # shellcheck disable=SC2086
    if "$@" $flags -DRELPTR_MISTAKE=$m "$src" 2>/dev/null; then
      echo "FAIL: mistake $m compiles as $lang"; exit 1
    fi
  done
  echo "ok: $lang rejects every mistake"
}

# shellcheck disable=SC2086
check C $cc -std=c11 -x c
case $cxx in
  "" | " "*) ;;
  # shellcheck disable=SC2086
  *) check C++ $cxx -std=c++11 -x c++ ;;
esac
