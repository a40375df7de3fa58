#!/bin/bash
# Issue 9, stop 68 (h9): development on spent seeds only — candidate C4 (today's C3 plus a raise
# to the flag where the whole-image blends lead at one class by >= blend_raise 0.85, above every
# clean GAP head's lead at any class on the spent seeds), and the bars beside it, re-scoring
#   (a) stop 65's development rows (outside 9205/9206, the fourth maker's 9603-9605: 87 models),
#       the spent unions 9207 + 9606, 9208 + 9607 and 9209 + 9608: 146 models, 114 with a GAP head;
#   (b) the stored runs C4 must not move: stop 64's 137 (no blend readings), the foreign
#       seeds' 296 and issue 3's 40.
# No model is built or read here: every line re-scores stored reports.
#   bash benchmarks/data/outside_s68_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s68_h9; T=${T:-/tmp/h9s68/dev}
mkdir -p "$T"
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
RULE() { "$PY" benchmarks/outside_named_rule.py "$@"; }
C3="--read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75"
RULE $C3 --blend-raise 0.85 --write "$O/cal_C4.json"
# the bar's source: every GAP-head model's top blend class and lead (today's C3 as candidate)
RULE --candidate src/trojanscope/detect/calibration.json $DEV --union --json "$T/dev68_C3.json" > /dev/null
"$PY" benchmarks/outside_named_same.py --any "$T/dev68_C3.json" > "$O/dev68_leads.txt"
# (a) C4 against today's C3 on the 146 spent models
RULE --candidate "$O/cal_C4.json" $DEV --union --json "$T/dev68_C4.json" > "$O/dev68_C4.txt"
gzip -c "$T/dev68_C4.json" > "$O/dev68_C4.json.gz"
for B in 0.7 0.75 0.8 0.85 0.9 0.95 1.0; do
  RULE $C3 --blend-raise $B --write "$T/sweep.json" > /dev/null
  echo "## blend_raise $B"
  RULE --candidate "$T/sweep.json" $DEV --union | sed -n '/== union/,$p' \
      | grep -E "^  (today|candidate)|stop-68|^    (yes|NO)" | tail -9 | cut -c1-240
done > "$O/dev68_sweep.txt"
# (b) the stored runs C4 must not move
RULE --candidate "$O/cal_C4.json" $(cat $D/outside_s64_h9/dev64_rows.args) --union \
    | sed -n '/== union/,$p' > "$O/dev68_C4_s64rows.txt"
RULE --candidate src/trojanscope/detect/calibration.json $(cat $D/outside_s64_h9/dev64_rows.args) \
    --union | sed -n '/== union/,$p' > "$T/dev68_C3_s64rows.txt"
cmp -s <(sed 1d "$O/dev68_C4_s64rows.txt") <(sed 1d "$T/dev68_C3_s64rows.txt") \
    && echo "C4 reads the 137 runs of stop 64's development exactly as today (C3)" >> "$O/dev68_C4_s64rows.txt" \
    || echo "C4 and C3 DIFFER on the 137 runs of stop 64's development" >> "$O/dev68_C4_s64rows.txt"
"$PY" benchmarks/outside_named_other.py "$O/cal_C4.json" > "$O/dev68_other_stored.txt"
