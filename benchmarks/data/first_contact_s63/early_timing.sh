#!/bin/bash
# stop 63 (hcmd): part C's seven early refusals under main's code (a copy of src at 5b67fbc4,
# `git archive 5b67fbc4 src`) and under this branch's, back to back, in the seed-71 user folder;
# /usr/bin/time: wall s, user s, sys s, exit. Run as: bash early_timing.sh MAIN_SRC BRANCH_SRC WORK
cd "$3" && export OMP_NUM_THREADS=1
for src in "$1" "$2"; do
  echo "== $src"
  for c in "detect runs/nope --data clean.npz" "detect runs/badnets --method nope" \
           "detect-inputs runs/badnets incoming.npz --method nope" \
           "detect-data training-set.npz --method nope" \
           "mitigate runs/nope --data clean.npz --out fixed-nope/" \
           "attack --attack nope --out runs/bad-attack" \
           "audit runs/nope --data clean.npz --report reports/nope/"; do
    /usr/bin/time -f "%e %U %S %x" -o /tmp/early_t.txt env PYTHONPATH=$src nice -n 5 \
      /work/main/.venv/bin/python -m trojanscope $c >/dev/null 2>&1
    echo "$c | $(tail -1 /tmp/early_t.txt)"
  done
done
