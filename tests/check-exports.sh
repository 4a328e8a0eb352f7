#!/bin/sh
# Fails if the shared library exports any symbol that is not ipcmem_*.
# Usage: check-exports.sh LIBRARY
set -eu
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }')
[ -n "$syms" ] || { echo "no exported symbols found in $lib"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -v '^ipcmem_' || true)
if [ -n "$bad" ]; then
  echo "symbols exported without the ipcmem_ prefix:"
  printf '%s\n' "$bad"
  exit 1
fi
internal=$(printf '%s\n' "$syms" | grep '^ipcmem__' || true)
if [ -n "$internal" ]; then
  echo "internal symbols exported:"
  printf '%s\n' "$internal"
  exit 1
fi
echo "ok: $(printf '%s\n' "$syms" | wc -l) symbols, all ipcmem_*"
