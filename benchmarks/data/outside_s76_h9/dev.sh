#!/bin/bash
# Issue 9, stop 76 (h9): development on spent seeds only (fresh 9219 / 9618 not touched).
# Every stored GAP-head run of stop 65's development rows and the unions 9207 + 9606 ...
# 9218 + 9617 (stop 75's fresh union, spent since), read as its run read it: today's blend-sink
# term against the candidate (the same term, its reference holding one entry per trait set),
# both references fitted without what is held out: each architecture / trigger family, then
# each population (dev76_lofo.txt / .json); and the candidate file, today's shipped file plus
# the trait-set entries fitted on every spent run (cal_trait_sets.json).
#   bash benchmarks/data/outside_s76_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s76_h9
cp src/trojanscope/detect/calibration.json "$O/cal_today.json"
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612 s71_h9r:9214 s71_h9r:9613 s72_h9:9215 s72_h9:9614 \
         s73_h9:9216 s73_h9:9615 s74_h9:9217 s74_h9:9616 s75_h9:9218 s75_h9:9617; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
"$PY" benchmarks/outside_sink_fine.py --base $D/outside_s75_h9/cal_C9_before.json --lofo --lopo \
    --json "$O/dev76_lofo.json" $DEV > "$O/dev76_lofo.txt"
"$PY" benchmarks/outside_sink_fine.py --today "$O/cal_today.json" \
    --write "$O/cal_trait_sets.json" $DEV
