#!/bin/bash
# Issue 9, stop 73 (h9): development on spent seeds only. Every stored GAP-head run of stop 65's
# development rows and the unions 9207 + 9606 ... 9215 + 9614, read as its run read it: the
# heads today's C7 and C5 read apart, with MM-BD's lead at the named class (dev73_zone.txt);
# candidate C9 (C7 + bias_lean 3.0) against C7 and C5 with the stop-72 rule's points
# (dev73_C9.txt); bias_lean swept (dev73_sweep.txt). With REACH=1 also the favourite's
# reversed blend per source class and opacity on spent models still in scratch (stops 71-72's
# /tmp/h971, /tmp/h9r71, /tmp/h972; dev73_reach.*). The fresh seeds 9216 / 9615 are not touched.
#   bash benchmarks/data/outside_s73_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s73_h9; R=$D/outside_s71_h9r
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612 s71_h9r:9214 s71_h9r:9613 s72_h9:9215 s72_h9:9614; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
NAMED="--read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75
       --blend-raise 0.85 --absent-guard 2.05 --frame-off --bias-guard 2.05 --bias-same 0.85"
"$PY" benchmarks/outside_named_rule.py $NAMED --bias-lean 3.0 --write "$O/cal_C9.json"
"$PY" benchmarks/outside_lean_zone.py --beside "$R/cal_C5_now.json" --candidate "$O/cal_C9.json" \
    $DEV > "$O/dev73_zone.txt"
"$PY" benchmarks/outside_c8_rule.py --name C9 --candidate "$O/cal_C9.json" \
    --beside "$R/cal_C5_now.json" $DEV > "$O/dev73_C9.txt"
TMP=$(mktemp -d)
for v in 2.0 2.5 2.78 2.8 3.0 3.2 3.23 3.3 3.5 4.0; do
  "$PY" benchmarks/outside_named_rule.py $NAMED --bias-lean $v --write "$TMP/c.json" > /dev/null
  echo "== bias_lean $v"
  "$PY" benchmarks/outside_c8_rule.py --name C9 --candidate "$TMP/c.json" \
      --beside "$R/cal_C5_now.json" $DEV | sed -n '/^rule72/,$p'
done > "$O/dev73_sweep.txt"
rm -r "$TMP"
if [ "${REACH:-0}" = 1 ]; then
  M="/tmp/h971/run/zoo-9213/gap_relu-bd00:0"
  for n in gap_cnn-cl01 gap_cnn-cl02 gap_cls_relu-cl00 gap_cls_relu-cl01; do M+=" /tmp/h971/run/zoo-9213/$n:8"; done
  for n in res_gap-bd02 res_gap-cl00 res_gap-cl01 res_gap-cl02 res_gap-cl05; do M+=" /tmp/h971/run/zoo-9612/$n:8"; done
  for n in dws_gap-bd01 dws_gap-bd03 res_gap-bd03 dws_gap-cl00; do M+=" /tmp/h9r71/run/zoo-9613/$n:8"; done
  for n in gap_relu-bd00 gap_cls_relu-bd01; do M+=" /tmp/h9r71/run/zoo-9214/$n:8"; done
  for n in res_gap-cl04 res_gap-cl01 res_gap-cl03 dws_gap-cl03 res_gap-bd00; do M+=" /tmp/h972/run/zoo-9614/$n:8"; done
  for n in gap_relu-bd02 gap_cnn-cl01 gap_cls_relu-bd00; do M+=" /tmp/h972/run/zoo-9215/$n:8"; done
  rm -f "$O/dev73_reach.jsonl"
  /usr/bin/time -f "%e s wall %U user" "$PY" benchmarks/outside_fav_reach.py $M \
      --out "$O/dev73_reach.jsonl"
  "$PY" benchmarks/outside_fav_reach.py --print "$O/dev73_reach.jsonl" > "$O/dev73_reach.txt"
fi
