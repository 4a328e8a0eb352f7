#!/bin/sh
# Installs the build tree into a scratch prefix, then builds and runs a small
# consumer against it: with CMake's find_package (ipcmem::ipcmem and
# ipcmem::ipcmem_static) and with pkg-config (shared and --static).
# Usage: check-install.sh BUILD_DIR CONSUMER_SOURCE_DIR C_COMPILER [SANITIZE]
# SANITIZE is the build's sanitizer list (address,undefined): a library built
# with sanitizers needs their runtime in every program that links it, so the
# consumer is built with the same -fsanitize flags.
set -eu
build=$1
src=$2
cc=$3
san=""
if [ -n "${4:-}" ]; then
  san="-fsanitize=$4"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/ipcmem-install.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/ipcmem.h"
test -f "$work/prefix/include/ipcmem/errno.h"
pcdir=$(dirname "$(find "$work/prefix" -name ipcmem.pc | head -n 1)")
libdir=$(dirname "$pcdir")

cmake -S "$src" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$san" \
  -DCMAKE_EXE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$work/cmake" >/dev/null
LD_LIBRARY_PATH="$libdir" "$work/cmake/consumer_shared"
"$work/cmake/consumer_static"
# The static consumer must not need the shared library at run time.
if ldd "$work/cmake/consumer_static" 2>/dev/null | grep -q libipcmem; then
  echo "consumer_static depends on libipcmem.so"; exit 1
fi

export PKG_CONFIG_PATH="$pcdir"
# Strict C11 with every warning an error: the installed header must need no
# feature macros and no extensions.
# shellcheck disable=SC2046,SC2086
"$cc" $san -std=c11 -Wall -Wextra -Wpedantic -Werror -o "$work/pc_shared" \
  "$src/consumer.c" $(pkg-config --cflags --libs ipcmem)
LD_LIBRARY_PATH="$libdir" "$work/pc_shared"
# shellcheck disable=SC2046,SC2086
"$cc" $san -static-libgcc -o "$work/pc_static" "$src/consumer.c" \
  $(pkg-config --cflags ipcmem) "$libdir/libipcmem.a" \
  $(pkg-config --static --libs-only-l ipcmem | sed 's/-lipcmem//')
"$work/pc_static"
echo "ok: installed tree works with find_package and pkg-config"
