#!/bin/bash
# Issue 9, stop 75 (h9): development on spent seeds only (fresh 9218 / 9617 not touched).
# Every stored GAP-head run of stop 65's development rows and the unions 9207 + 9606 ...
# 9217 + 9616, read as its run read it: the blend-sink term (detect/blend_sink.py) on today's
# shipped file (C9), leave-one-family-out (dev75_lofo.txt), a small sweep of its three
# settings (dev75_sweep.txt), and the candidate file with its reference fitted on every spent
# run (cal_C9_sink.json).
#   bash benchmarks/data/outside_s75_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s75_h9
cp src/trojanscope/detect/calibration.json "$O/cal_C9_before.json"
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612 s71_h9r:9214 s71_h9r:9613 s72_h9:9215 s72_h9:9614 \
         s73_h9:9216 s73_h9:9615 s74_h9:9217 s74_h9:9616; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
"$PY" benchmarks/outside_blend_sink.py --today "$O/cal_C9_before.json" --lofo \
    --json "$O/dev75_lofo.json" $DEV > "$O/dev75_lofo.txt"
{ for s in 0.2 0.3 0.4; do for t in -0.5 -1.0 -2.0; do for g in 5.0 99; do
    echo "== share $s to $t guard uap_anomaly <= $g"
    "$PY" benchmarks/outside_blend_sink.py --today "$O/cal_C9_before.json" --lofo \
        --share $s --to $t --guard $g $DEV | grep -E "^(worst|union|backdoors lost)"
  done; done; done; } > "$O/dev75_sweep.txt"
"$PY" benchmarks/outside_blend_sink.py --today "$O/cal_C9_before.json" \
    --write "$O/cal_C9_sink.json" $DEV
