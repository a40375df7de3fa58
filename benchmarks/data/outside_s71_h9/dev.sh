#!/bin/bash
# Issue 9, stop 71 (h9): development on spent seeds only — candidate C7 (stop 70's C6 plus the
# named class read against the model's noise favourite, bias_class: a wider guard there,
# bias_guard, and a higher bar on a blend reach of it, bias_same), each part alone and the
# values beside it, every stored report read as its run read it. Spent seeds: stop 65's
# development rows (outside 9205/9206, the fourth maker's 9603-9605) and the unions 9207 + 9606
# ... 9212 + 9611: 224 models, 190 with a GAP head. No model is built or read here.
#   bash benchmarks/data/outside_s71_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s71_h9
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
C5="--read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75 --blend-raise 0.85 --absent-guard 2.05 --frame-off"
C6="$C5 --other-gap 0.55 --other-stand 1.6"
SW=(--cand "C6=$C6")
for G in 1.8 1.9 2.05 2.2; do SW+=(--cand "bias_guard $G alone=$C5 --bias-guard $G"); done
for B in 0.8 0.85 0.9; do
  SW+=(--cand "bias_same $B alone=$C5 --bias-same $B")
  SW+=(--cand "bias_guard 2.05 + bias_same $B=$C5 --bias-guard 2.05 --bias-same $B")
done
SW+=(--cand "bias_guard 1.8 + bias_same 0.85=$C5 --bias-guard 1.8 --bias-same 0.85")
SW+=(--cand "C6 + bias_guard 2.05=$C6 --bias-guard 2.05")
SW+=(--cand "C6 + bias_guard 2.05 + bias_same 0.85=$C6 --bias-guard 2.05 --bias-same 0.85")
"$PY" benchmarks/outside_named_sweep.py $(echo $DEV | sed 's/--rows /--rows=/g') "${SW[@]}" \
    > "$O/dev71_sweep.txt"
# the same parts on stop 64's stored runs (137, no blend readings: C7 must not move them)
"$PY" benchmarks/outside_named_sweep.py \
    $(sed 's/--rows /--rows=/g' $D/outside_s64_h9/dev64_rows.args) \
    --cand "C7=$C5 --bias-guard 2.05 --bias-same 0.85" \
    --cand "C6 + C7's parts=$C6 --bias-guard 2.05 --bias-same 0.85" > "$O/dev71_s64rows.txt"
# C7 read by the rule's six points on the development union (in-sample), per family
"$PY" benchmarks/outside_named_rule.py --candidate "$O/cal_C7.json" $DEV --union \
    | sed -n '/== union/,$p' > "$O/dev71_C7.txt"
