#!/bin/bash
# Issue 9, stop 77 (h9): development on spent seeds only (fresh 9220 / 9619 not touched).
# Every stored GAP-head run of stop 65's development rows and the unions 9207 + 9606 ...
# 9219 + 9618 (stop 76's fresh union, spent since), read as its run read it: the blend-sink
# term's record head by head, by the shipped file against the same file without the term,
# the reference as shipped and fitted without each head's own population (kind; trait sets):
# dev77_record.txt / .json; and the narrowed candidate cal_narrow.json (the term read only on
# the trait sets where, held out by population, it cleared a clean head and lost no backdoor).
#   bash benchmarks/data/outside_s77_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s77_h9
cp src/trojanscope/detect/calibration.json "$O/cal_today.json"
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612 s71_h9r:9214 s71_h9r:9613 s72_h9:9215 s72_h9:9614 \
         s73_h9:9216 s73_h9:9615 s74_h9:9217 s74_h9:9616 s75_h9:9218 s75_h9:9617 \
         s76_h9:9219 s76_h9:9618; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
"$PY" benchmarks/outside_sink_keep.py --today "$O/cal_today.json" --record \
    --write-narrow "$O/cal_narrow.json" --json "$O/dev77_record.json" $DEV \
    > "$O/dev77_record.txt"
