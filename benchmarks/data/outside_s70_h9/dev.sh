#!/bin/bash
# Issue 9, stop 70 (h9): development on spent seeds only — candidate C6 (today's C5 plus a bar
# on the blend keep at a class other than the named one: other_gap, and under it a keep by the
# model's stand: other_stand), each part alone and the values beside it, every stored report
# read as its run read it (the named-check record, rebuilt for reports stored before stop 70):
#   (a) stop 65's development rows (outside 9205/9206, the fourth maker's 9603-9605: 87 models)
#       and the spent unions 9207 + 9606 ... 9211 + 9610: 205 models, 171 with a GAP head (100
#       clean);
#   (b) the stored runs C6 must not move: stop 64's 137 (no blend readings), the foreign
#       seeds' 296 and issue 3's 40.
# No model is built or read here: every line re-scores stored reports.
#   bash benchmarks/data/outside_s70_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s70_h9; T=${T:-/tmp/h9s70/dev}
mkdir -p "$T"
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
RULE() { "$PY" benchmarks/outside_named_rule.py "$@"; }
C5="--read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75 --blend-raise 0.85 --absent-guard 2.05 --frame-off"
# today's C5 read as stored (the slip) and as the runs read them, on the 205
RULE --candidate src/trojanscope/detect/calibration.json $DEV --union --as-stored \
    | sed -n '/== union/,/stop-65 plan/p' > "$O/dev70_C5_as_stored.txt"
# C6's parts alone and the values beside them, today's C5 beside, in one pass
SW=()
for G in 0.5 0.55 0.65 0.7 0.75 0.85; do SW+=(--cand "other_gap $G alone=$C5 --other-gap $G"); done
for G in 0.65 0.75 0.85; do
  for S in 1.4 1.5 1.6 1.8; do
    SW+=(--cand "other_gap $G + other_stand $S=$C5 --other-gap $G --other-stand $S")
  done
done
"$PY" benchmarks/outside_named_sweep.py $(echo $DEV | sed 's/--rows /--rows=/g') "${SW[@]}" \
    > "$O/dev70_sweep.txt"
