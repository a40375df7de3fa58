#!/bin/bash
# Issue 9, stop 69 (h9): development on spent seeds only — candidate C5 (today's C4 plus, on
# the clean side, a wider guard absent_guard 2.05 where the blends show no lead at the named
# class, and the frame raise term skipped on a model the named check lowered, frame_off), each
# part alone and the values beside it, re-scoring
#   (a) stop 65's development rows (outside 9205/9206, the fourth maker's 9603-9605: 87 models)
#       and the spent unions 9207 + 9606 ... 9210 + 9609: 180 models, 146 with a GAP head (80
#       clean);
#   (b) the stored runs C5 must not move: stop 64's 137 (no blend readings), the foreign
#       seeds' 296 and issue 3's 40.
# No model is built or read here: every line re-scores stored reports.
#   bash benchmarks/data/outside_s69_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s69_h9; T=${T:-/tmp/h9s69/dev}
mkdir -p "$T"
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
RULE() { "$PY" benchmarks/outside_named_rule.py "$@"; }
C4="--read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75 --blend-raise 0.85"
RULE $C4 --absent-guard 2.05 --frame-off --write "$O/cal_C5.json"
# every clean GAP head's stand, blend lead and what raised it (today's C4 as candidate)
RULE --candidate src/trojanscope/detect/calibration.json $DEV --union --json "$T/dev69_C4.json" \
    > /dev/null
"$PY" benchmarks/outside_named_same.py --stands "$T/dev69_C4.json" > "$O/dev69_clean.txt"
# (a) C5 against today's C4 on the 180 spent models
RULE --candidate "$O/cal_C5.json" $DEV --union --json "$T/dev69_C5.json" > "$O/dev69_C5.txt"
gzip -c "$T/dev69_C5.json" > "$O/dev69_C5.json.gz"
# each part alone and the values beside it: (a) the guard refitted, (b) absent_guard, (c)
# frame_off, and their sums
sweep() {  # LABEL OPTIONS...
  local label=$1; shift
  RULE "$@" --write "$T/sweep.json" > /dev/null
  echo "## $label"
  RULE --candidate "$T/sweep.json" $DEV --union | sed -n '/== union/,$p' \
      | sed -n '/stop-69 plan rule/,$p' | cut -c1-300
}
{
  sweep "(c) frame_off alone" $C4 --frame-off
  for G in 1.7 1.8 1.85 1.9 2.0 2.05; do
    sweep "(a) guard $G" ${C4/--guard 1.6/--guard $G}
  done
  for A in 1.85 1.95 2.0 2.05 2.2; do sweep "(b) absent_guard $A alone" $C4 --absent-guard $A; done
  for A in 1.95 2.0 2.2; do sweep "(b)+(c) absent_guard $A" $C4 --absent-guard $A --frame-off; done
  for G in 1.7 1.8; do
    sweep "(a)+(b)+(c) guard $G" ${C4/--guard 1.6/--guard $G} --absent-guard 2.05 --frame-off
  done
} > "$O/dev69_sweep.txt"
# (b) the stored runs C5 must not move
RULE --candidate "$O/cal_C5.json" $(cat $D/outside_s64_h9/dev64_rows.args) --union \
    | sed -n '/== union/,$p' > "$O/dev69_C5_s64rows.txt"
RULE --candidate src/trojanscope/detect/calibration.json $(cat $D/outside_s64_h9/dev64_rows.args) \
    --union | sed -n '/== union/,$p' > "$T/dev69_C4_s64rows.txt"
cmp -s <(sed 1d "$O/dev69_C5_s64rows.txt") <(sed 1d "$T/dev69_C4_s64rows.txt") \
    && echo "C5 reads the 137 runs of stop 64's development exactly as today (C4)" >> "$O/dev69_C5_s64rows.txt" \
    || echo "C5 and C4 DIFFER on the 137 runs of stop 64's development" >> "$O/dev69_C5_s64rows.txt"
"$PY" benchmarks/outside_named_other.py "$O/cal_C5.json" > "$O/dev69_other_stored.txt"
