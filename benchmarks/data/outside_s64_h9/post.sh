#!/bin/bash
# Issue 9, stop 64 (h9): after the cuts — today's default on 9206 (the stored probabilities),
# then the plan's rule: C1 (and C0, reported) re-scoring the same runs, on 9206, on h9m's 9605
# (its runs of today's default, read-only) and on their union; every model's line in the .txt.
#   bash benchmarks/data/outside_s64_h9/post.sh [H9M_RUNS H9M_TRUTH]
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9/run}
OUT=benchmarks/data/outside_s64_h9
R9605=${1:-/tmp/h9ms64/run/detect9605.jsonl}; T9605=${2:-/tmp/h9ms64/run/zoo-9605/truth.json}
gzip -c "$RUN/detect9206.jsonl" > "$OUT/detect9206_runs.jsonl.gz"
gzip -c "$RUN/zoo-9206/truth.json" > "$OUT/zoo-9206_truth.json.gz"
cp "$RUN/build9206.log" "$RUN/score9206.log" "$OUT/"
[ -f "$RUN/score9206-reverse.log" ] && cp "$RUN/score9206-reverse.log" "$OUT/"
"$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-9206" --out "$RUN/detect9206.jsonl" --score \
    --per-model --json "$OUT/detect9206_score.json" > "$OUT/detect9206_score.txt"
A=(--rows "9206=$OUT/detect9206_runs.jsonl.gz,$OUT/zoo-9206_truth.json.gz")
if [ -s "$R9605" ] && [ -f "$T9605" ]; then
  gzip -c "$R9605" > "$OUT/detect9605_runs_h9m.jsonl.gz"
  gzip -c "$T9605" > "$OUT/zoo-9605_truth.json.gz"
  A+=(--rows "9605=$OUT/detect9605_runs_h9m.jsonl.gz,$OUT/zoo-9605_truth.json.gz" --union)
fi
"$PY" benchmarks/outside_named_rule.py --candidate "$OUT/cal_C1.json" "${A[@]}" \
    --json "$OUT/rule64_C1.json" > "$OUT/rule64_C1.txt" 2>&1
"$PY" benchmarks/outside_named_rule.py --candidate benchmarks/data/outside_s63_h9/cal_C0.json \
    "${A[@]}" --json "$OUT/rule64_C0.json" > "$OUT/rule64_C0.txt" 2>&1
