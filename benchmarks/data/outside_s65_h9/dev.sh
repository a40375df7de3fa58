#!/bin/bash
# Issue 9, stop 65 (h9): development on spent seeds — the blend readings measured on the stored
# model files of outside 9205/9206 and the fourth maker's 9603/9604/9605 (stored runs joined),
# then C1, C2 and the sweep re-scoring them. Model folders are stop 63/64's scratch (read only).
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s65_h9; T=${T:-/tmp/h9s65/rows}
mkdir -p "$T"
R() { nice -n 5 "$PY" benchmarks/outside_named_rows.py --probe blend --pop "$1" --out "$T/dev_$2.jsonl"; }
R 9205=/tmp/h9/run/zoo-9205,$D/outside_s63_h9/detect9205_runs.jsonl.gz,$D/outside_s63_h9/zoo-9205_truth.json.gz 9205
R 9206=/tmp/h9/run/zoo-9206,$D/outside_s64_h9/detect9206_runs.jsonl.gz,$D/outside_s64_h9/zoo-9206_truth.json.gz 9206
R 9604=/tmp/h9ms63/run/zoo-9604,$D/fourth_s63/detect9604_runs.jsonl.gz,$D/fourth_s63/zoo-9604_truth.json.gz 9604
R 9605=/tmp/h9ms64/run/zoo-9605,$D/fourth_s64/detect9605_runs.jsonl.gz,$D/fourth_s64/zoo-9605_truth.json.gz 9605
for z in z9603-dws_gap-bd01 z9603-dws_gap-cl00 z9603-dws_gap-cl02 zoo-9603; do  # not bd00: rebuilt differently
  R 9603=/tmp/h9/dev/$z,$D/fourth_s62/detect9603_runs.jsonl.gz,$D/fourth_s62/zoo-9603_truth.json.gz 9603
done
for p in 9205 9206 9603 9604 9605; do gzip -c "$T/dev_$p.jsonl" > "$O/dev65_rows_$p.jsonl.gz"; done
"$PY" benchmarks/outside_named_rule.py --read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 \
    --blend-other --write "$O/cal_C2.json"
"$PY" benchmarks/outside_named_rule.py --candidate "$O/cal_C2.json" $(cat "$O/dev65_rows.args") \
    --union > "$O/dev65_C2.txt"
"$PY" benchmarks/outside_named_rule.py --candidate $D/outside_s64_h9/cal_C1.json \
    $(cat "$O/dev65_rows.args") --union > "$O/dev65_C1.txt"
for G in 0.3 0.4 0.45 0.5 0.6; do for o in "" "--blend-other"; do
  "$PY" benchmarks/outside_named_rule.py --read model --guard 1.6 --keep-ratio 6.0 --blend-gap $G \
      $o --write "$T/sweep.json" > /dev/null
  echo "## blend_gap $G ${o:-any-class}"
  "$PY" benchmarks/outside_named_rule.py --candidate "$T/sweep.json" $(cat "$O/dev65_rows.args") \
      --union | sed -n '/== union/,$p' | grep -E "candidate|today|GAP-head|named right" | cut -c1-200
done; done > "$O/dev65_sweep.txt"
