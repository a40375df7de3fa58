#!/bin/bash
# Issue 9, stop 63 (h9): after the cut — today's default on 9205 (the stored probabilities),
# then the plan's rule: C0 (and C, reported) re-scoring the same runs, on 9205, on h9m's 9604
# (its runs: today's default) and on their union; every model's line in the .txt files.
# C reads h9m's second-slot runs of this branch's detect -p named=true (H9M_NAMED) where they
# exist; C0 reads h9m's runs of today's default (H9M_RUNS).
#   bash benchmarks/data/outside_s63_h9/post.sh [H9M_RUNS H9M_TRUTH H9M_NAMED]
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9/run}
OUT=benchmarks/data/outside_s63_h9
R9604=${1:-/tmp/h9ms63/run/detect9604.jsonl}; T9604=${2:-/tmp/h9ms63/run/zoo-9604/truth.json}
N9604=${3:-/tmp/h9ms63/run/detect9604_h9.jsonl}
gzip -c "$RUN/detect9205.jsonl" > "$OUT/detect9205_runs.jsonl.gz"
gzip -c "$RUN/zoo-9205/truth.json" > "$OUT/zoo-9205_truth.json.gz"
cp "$RUN/build9205.log" "$RUN/score9205.log" "$OUT/"
"$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-9205" --out "$RUN/detect9205.jsonl" --score \
    --per-model --json "$OUT/detect9205_score.json" > "$OUT/detect9205_score.txt"
A=(--rows "9205=$OUT/detect9205_runs.jsonl.gz,$OUT/zoo-9205_truth.json.gz")
B=("${A[@]}")
if [ -s "$R9604" ] && [ -f "$T9604" ]; then
  gzip -c "$R9604" > "$OUT/detect9604_runs_h9m.jsonl.gz"
  gzip -c "$T9604" > "$OUT/zoo-9604_truth.json.gz"
  A+=(--rows "9604=$OUT/detect9604_runs_h9m.jsonl.gz,$OUT/zoo-9604_truth.json.gz" --union)
  B+=(--rows "9604=$OUT/detect9604_runs_h9m.jsonl.gz,$OUT/zoo-9604_truth.json.gz" --union)
  if [ -s "$N9604" ]; then  # C: h9m's named runs where made (each model's first run is read)
    gzip -c "$N9604" > "$OUT/detect9604_named_h9m.jsonl.gz"
    B=("${A[@]:0:2}" --rows "9604=$OUT/detect9604_named_h9m.jsonl.gz,$OUT/zoo-9604_truth.json.gz" --union)
  fi
fi
"$PY" benchmarks/outside_named_rule.py --candidate "$OUT/cal_C0.json" "${A[@]}" \
    --json "$OUT/rule63_C0.json" > "$OUT/rule63_C0.txt" 2>&1
"$PY" benchmarks/outside_named_rule.py --candidate "$OUT/cal_C.json" "${B[@]}" \
    --json "$OUT/rule63_C.json" > "$OUT/rule63_C.txt" 2>&1
