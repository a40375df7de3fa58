#!/usr/bin/env bash
# detect's and audit's words for a TorchScript image model given a table, main against the
# branch: exit code, wall seconds, the error line (hrev, stop 67). Run in the folder
# make_files.py filled; args: main's src, the branch's src.
for src in "$@"; do
  for cmd in "detect m/img_ts.pt --data d/table.csv --label-column is_fraud" \
             "audit m/img_ts.pt --data d/table.csv --label-column is_fraud --no-history"; do
    start=$(date +%s.%N)
    out=$(OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=$src /work/main/.venv/bin/python -m trojanscope $cmd 2>&1)
    rc=$?
    line=$(printf '%s\n' "$out" | grep -i "error" | tail -1)
    end=$(date +%s.%N)
    printf '%s | %s | exit %s | %.1f s | %s\n' "$src" "$cmd" "$rc" "$(echo "$end - $start" | bc)" "$line"
  done
done
