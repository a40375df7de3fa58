#!/bin/bash
# Issue 9, stop 67 (h9): development on spent seeds only — candidate C3 (C2a, with a reach of
# the class the verdict names counted only from a lead of blend_same 0.75, above every clean
# GAP head's reach of its named class on the spent seeds) and the values beside it, re-scoring
#   (a) stop 65's development rows (blend readings on the stored model files of outside
#       9205/9206, the fourth maker's 9603/9604/9605: 87 models) and the fresh, now spent
#       unions 9207 + 9606 and 9208 + 9607 (42): 129 models, 97 with a GAP head;
#   (b) the stored runs C3 must not move: stop 64's 137 (no blend readings), the foreign
#       seeds' 296 and issue 3's 40.
# No model is built or read here: every line re-scores stored reports.
#   bash benchmarks/data/outside_s67_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s67_h9; T=${T:-/tmp/h9s67/dev}
mkdir -p "$T"
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
RULE() { "$PY" benchmarks/outside_named_rule.py "$@"; }
RULE --read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same 0.75 \
    --write "$O/cal_C3.json"
# the threshold's source: every GAP-head model's blend lead at the class its verdict names
# before the term (C1 names without the probe), clean and backdoored
RULE --candidate $D/outside_s64_h9/cal_C1.json $DEV --union --json "$T/dev67_C1.json" > /dev/null
"$PY" benchmarks/outside_named_same.py "$T/dev67_C1.json" > "$O/dev67_same_class.txt"
# (a) C3 against today's C2a on the 129 spent models
RULE --candidate "$O/cal_C3.json" $DEV --union --json "$T/dev67_C3.json" > "$O/dev67_C3.txt"
gzip -c "$T/dev67_C3.json" > "$O/dev67_C3.json.gz"
for B in 0.5 0.55 0.6 0.65 0.7 0.75 0.8 0.9 1.0; do
  RULE --read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --blend-same $B \
      --write "$T/sweep.json" > /dev/null
  echo "## blend_same $B"
  RULE --candidate "$T/sweep.json" $DEV --union | sed -n '/== union/,$p' \
      | grep -E "^  (today|candidate)|stop-67|^    (yes|NO)" | tail -9 | cut -c1-200
done > "$O/dev67_sweep.txt"
# (b) the stored runs C3 must not move
RULE --candidate "$O/cal_C3.json" $(cat $D/outside_s64_h9/dev64_rows.args) --union \
    | sed -n '/== union/,$p' > "$O/dev67_C3_s64rows.txt"
RULE --candidate $D/outside_s64_h9/cal_C1.json $(cat $D/outside_s64_h9/dev64_rows.args) --union \
    | sed -n '/== union/,$p' > "$T/dev67_C1_s64rows.txt"
cmp -s <(sed 1d "$O/dev67_C3_s64rows.txt") <(sed 1d "$T/dev67_C1_s64rows.txt") \
    && echo "C3 reads the 137 runs of stop 64's development exactly as C1 (and C2a)" >> "$O/dev67_C3_s64rows.txt" \
    || echo "C3 and C1 DIFFER on the 137 runs of stop 64's development" >> "$O/dev67_C3_s64rows.txt"
"$PY" benchmarks/outside_named_other.py "$O/cal_C3.json" > "$O/dev67_other_stored.txt"
