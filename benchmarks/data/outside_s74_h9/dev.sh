#!/bin/bash
# Issue 9, stop 74 (h9): development on spent seeds only (fresh 9217 / 9616 not touched).
# Today's shipped file moved since stop 73 (the excess term's start / slope and its dense-kind
# entry), so the three files are written again from it: C9 now (C7 + bias_lean 3.0), C5 now
# (C7 without its two favourite keys) and, for the lever reading only, C7 with C6's keys.
# On every stored GAP-head run of stop 65's development rows and the unions 9207 + 9606 ...
# 9216 + 9615 (read as its run read it): C9 against C7 and C5 with the stop-72 points
# (dev74_C9.txt), the heads C7 and C5 read apart (dev74_zone.txt), and what carries
# `dws_gap`'s CE on the stop-73 union 9216 + 9615 and on every spent head (dev74_dws_carry.txt).
#   bash benchmarks/data/outside_s74_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s74_h9; S=$D/outside_s73_h9
NAMED="--read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75
       --blend-raise 0.85 --absent-guard 2.05 --frame-off"
"$PY" benchmarks/outside_named_rule.py $NAMED --bias-guard 2.05 --bias-same 0.85 --bias-lean 3.0 \
    --write "$O/cal_C9_now.json"
"$PY" benchmarks/outside_named_rule.py $NAMED --write "$O/cal_C5_s74.json"
TMP=$(mktemp -d)
"$PY" benchmarks/outside_named_rule.py $NAMED --bias-guard 2.05 --bias-same 0.85 \
    --write "$TMP/c7.json" > /dev/null   # must equal the shipped file (checked here)
cmp -s "$TMP/c7.json" "$O/cal_C7_before.json" && echo "C7 as written = the file before stop 74" \
    || echo "C7 as written differs from the file before stop 74"
"$PY" benchmarks/outside_named_rule.py $NAMED --bias-guard 2.05 --bias-same 0.85 \
    --other-gap 0.55 --other-stand 1.6 --write "$TMP/c7c6.json" > /dev/null
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612 s71_h9r:9214 s71_h9r:9613 s72_h9:9215 s72_h9:9614 \
         s73_h9:9216 s73_h9:9615; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
"$PY" benchmarks/outside_c8_rule.py --name C9 --candidate "$O/cal_C9_now.json" \
    --today "$O/cal_C7_before.json" --beside "$O/cal_C5_s74.json" $DEV | sed -n '/^== union/,$p' > "$O/dev74_C9.txt"
"$PY" benchmarks/outside_lean_zone.py --today "$O/cal_C7_before.json" --beside "$O/cal_C5_s74.json" \
    --candidate "$O/cal_C9_now.json" $DEV > "$O/dev74_zone.txt"
CALS="--cal C7=$O/cal_C7_before.json --cal C9=$O/cal_C9_now.json
      --cal C5=$O/cal_C5_s74.json --cal C7+C6keys=$TMP/c7c6.json"
{ echo "# the stop-73 union 9216 + 9615"
  "$PY" benchmarks/outside_family_carry.py --family dws_gap $CALS \
      --rows "9216=$S/detect9216_runs.jsonl.gz,$S/zoo-9216_truth.json.gz" \
      --rows "9615=$S/detect9615_runs.jsonl.gz,$S/zoo-9615_truth.json.gz"
  echo; echo "# every spent GAP-head run (stop 65's rows and the unions 9207 + 9606 ... 9216 + 9615)"
  "$PY" benchmarks/outside_family_carry.py --family dws_gap $CALS $DEV
} > "$O/dev74_dws_carry.txt"
rm -r "$TMP"
