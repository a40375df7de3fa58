#!/bin/bash
# Stop 79 review (hrev): run each line of LINES (a file, one shell line each) as a new user would,
# in USER (a copy of hcmd's spent seed-331 files, /tmp/hcmd79/user), with SRC's trojanscope on
# one torch thread; each line's output, exit code, CPU time and load go to OUT/out_N.txt.
#   bash user_lines.sh SRC USER OUT LINES [FIRST_N]
set -u
SRC=$(realpath "$1"); USERDIR=$2; OUT=$(realpath -m "$3"); LINES=$(realpath "$4"); n=${5:-0}
mkdir -p "$OUT"; cd "$USERDIR" || exit 2
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=$SRC
PY=${PY:-/work/main/.venv/bin/python}
trojanscope() { "$PY" -m trojanscope "$@"; }
export -f trojanscope; export PY
while IFS= read -r cmd; do
  n=$((n+1)); out=$OUT/out_$n.txt
  echo "\$ $cmd" > "$out"
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "[%e s wall %U user %S sys; load $load]" -a -o "$out.time" \
    bash -c "$cmd" >> "$out" 2>&1
  echo "rc=$?" >> "$out"; cat "$out.time" >> "$out"; rm -f "$out.time"
done < "$LINES"
