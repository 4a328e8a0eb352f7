#!/bin/sh
# Checks the shape of `ipcmem-bench --json` output, not its timings.
#
# usage: check-json.sh BOOST_EXPECTED BENCH [ARGS...]
#   BOOST_EXPECTED: 1 if the benchmark was built with Boost (boost_ns must
#   then be a number), 0 if not (boost_ns must then be null).
#   BENCH ARGS...: the command to run, e.g. ipcmem-bench --quick --json.
set -u

if [ $# -lt 2 ]; then
  echo "usage: check-json.sh BOOST_EXPECTED BENCH [ARGS...]" >&2
  exit 2
fi
boost_expected=$1
shift

out=$("$@")
status=$?
printf '%s\n' "$out"
if [ "$status" -ne 0 ]; then
  echo "check-json: the benchmark exited with status $status" >&2
  exit 1
fi

# One awk program checks everything, so that each failure says which line
# and which key were wrong.
printf '%s\n' "$out" | awk -v boost="$boost_expected" '
  # The value of "key" on this line, as text ("" when the key is absent).
  function val(key,    re, s) {
    re = "\"" key "\":[^,}]*"
    if (!match($0, re))
      return ""
    s = substr($0, RSTART, RLENGTH)
    sub("^\"" key "\":", "", s)
    return s
  }
  function is_num(s) {
    return s ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/
  }
  function bad(msg) {
    print "check-json: line " NR ": " msg > "/dev/stderr"
    failed = 1
  }
  BEGIN { want[1] = "create"; want[2] = "open"; want[3] = "anon" }
  {
    if ($0 !~ /^\{.*\}$/)
      bad("not a JSON object: " $0)
    op = val("op")
    if (NR <= 3 && op != "\"" want[NR] "\"")
      bad("op is " op ", expected \"" want[NR] "\"")
    split("ipcmem_ns bare_ns", keys, " ")
    for (i = 1; i <= 2; i++) {
      v = val(keys[i])
      if (!is_num(v) || v + 0 <= 0)
        bad(keys[i] " is \"" v "\", expected a number > 0")
    }
    v = val("boost_ns")
    if (boost == 1 && (!is_num(v) || v + 0 <= 0))
      bad("boost_ns is \"" v "\", expected a number > 0 (Boost was built)")
    if (boost != 1 && v != "null")
      bad("boost_ns is \"" v "\", expected null (Boost was not built)")
  }
  END {
    if (NR != 3) {
      print "check-json: " NR " lines, expected 3" > "/dev/stderr"
      failed = 1
    }
    exit failed
  }
'
