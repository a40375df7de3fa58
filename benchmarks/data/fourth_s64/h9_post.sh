#!/bin/bash
# Issue 9, stop 64 (h9m): h9's candidate C1 on the fourth maker's 9605 (post.sh runs it after
# the cut). h9's plan (branch h9, 802a5110, 20:48:26 UTC) names a re-scoring of today's runs,
# no detection: `outside_named_rule.py --candidate benchmarks/data/outside_s64_h9/cal_C1.json
# --rows 9605=RUNS,TRUTH`, from h9's code. Run twice: from a snapshot of 802a5110 (git archive,
# so a later h9 commit cannot change it) and from h9's worktree as the brief names it
# (PYTHONPATH=/work/wt/h9/src, not edited); the two outputs are compared. Stop 63's C0
# (cal_C0.json) is read beside it, as h9's plan reports it.
set -u
cd "$(dirname "$0")/../../.."
D=benchmarks/data/fourth_s64
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9ms64/run}
C=802a5110 SNAP=/tmp/h9m/h9-802a5110 ABS=$(pwd)
export OMP_NUM_THREADS=1
if [ ! -d "$SNAP/src" ]; then
    mkdir -p "$SNAP"
    git -C /work/main archive "$C" src ':(glob)benchmarks/*.py' benchmarks/data/outside_s64_h9 \
        benchmarks/data/outside_s63_h9 | tar -x -C "$SNAP"
fi
ROWS="9605=$RUN/detect9605.jsonl,$RUN/zoo-9605/truth.json"
for cand in C1:outside_s64_h9/cal_C1.json C0:outside_s63_h9/cal_C0.json; do
    ( cd "$SNAP" && PYTHONPATH=src:benchmarks "$PY" benchmarks/outside_named_rule.py \
        --candidate "benchmarks/data/${cand#*:}" --rows "$ROWS" \
        --json "$ABS/$D/h9_${cand%%:*}_9605.json" > "$ABS/$D/h9_${cand%%:*}_9605.txt" 2>&1 )
done
( cd /work/wt/h9 && PYTHONPATH=/work/wt/h9/src:/work/wt/h9/benchmarks "$PY" \
    benchmarks/outside_named_rule.py --candidate benchmarks/data/outside_s64_h9/cal_C1.json \
    --rows "$ROWS" > /tmp/h9m/h9_C1_9605_worktree.txt 2>&1 )
if cmp -s /tmp/h9m/h9_C1_9605_worktree.txt "$D/h9_C1_9605.txt"; then
    echo "h9's worktree ($(git -C /work/wt/h9 rev-parse --short HEAD)) reads C1 the same as 802a5110" \
        > "$D/h9_C1_9605_same.txt"
else
    { echo "h9's worktree ($(git -C /work/wt/h9 rev-parse --short HEAD)) differs from 802a5110:"
      diff "$D/h9_C1_9605.txt" /tmp/h9m/h9_C1_9605_worktree.txt; } > "$D/h9_C1_9605_same.txt"
fi
