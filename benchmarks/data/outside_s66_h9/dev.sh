#!/bin/bash
# Issue 9, stop 66 (h9): development on spent seeds only — candidate C2a (the blend probe's lead
# >= 0.45 at any class: stop 65's C2 without blend_other) and the gaps beside it, re-scoring
#   (a) stop 65's development rows (blend readings on the stored model files of outside
#       9205/9206, the fourth maker's 9603/9604/9605: 87 models, 60 GAP-head);
#   (b) stop 65's fresh, now spent union 9207 + 9606 (21 models, 18 GAP-head; `-p blend=true`);
#   (c) the 13 stored populations of stop 64's development (137 runs, no blend readings: C2a
#       must read them as C1), the foreign seeds' 296 runs and issue 3's 40 (must not move).
# No model is built or read here: every line re-scores stored reports.
#   bash benchmarks/data/outside_s66_h9/dev.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
D=benchmarks/data; O=$D/outside_s66_h9; T=${T:-/tmp/h9s66/dev}
mkdir -p "$T"
S65="--rows 9207=$D/outside_s65_h9/detect9207_runs.jsonl.gz,$D/outside_s65_h9/zoo-9207_truth.json.gz"
S65+=" --rows 9606=$D/outside_s65_h9/detect9606_runs.jsonl.gz,$D/outside_s65_h9/zoo-9606_truth.json.gz"
DEV="$(cat $D/outside_s65_h9/dev65_rows.args) $S65"
RULE() { "$PY" benchmarks/outside_named_rule.py "$@"; }
RULE --read model --guard 1.6 --keep-ratio 6.0 --blend-gap 0.45 --write "$O/cal_C2a.json"
# (a) + (b): every spent population with blend readings, and their union (108 models)
RULE --candidate "$O/cal_C2a.json" $DEV --union --json "$T/dev66_C2a.json" > "$O/dev66_C2a.txt"
gzip -c "$T/dev66_C2a.json" > "$O/dev66_C2a.json.gz"
RULE --candidate $D/outside_s65_h9/cal_C2.json $DEV --union > "$O/dev66_C2.txt"
# the gaps beside 0.45, any class and another class only, on the same 108 models
for G in 0.35 0.4 0.45 0.5 0.55 0.6; do for o in "" "--blend-other"; do
  RULE --read model --guard 1.6 --keep-ratio 6.0 --blend-gap $G $o --write "$T/sweep.json" > /dev/null
  echo "## blend_gap $G ${o:-any-class}"
  RULE --candidate "$T/sweep.json" $DEV --union | sed -n '/== union/,$p' \
      | grep -E "candidate|today|GAP-head|named right" | cut -c1-200
done; done > "$O/dev66_sweep.txt"
# (c) the stored runs C2a must not move
RULE --candidate "$O/cal_C2a.json" $(cat $D/outside_s64_h9/dev64_rows.args) --union \
    | sed -n '/== union/,$p' > "$O/dev66_C2a_s64rows.txt"
RULE --candidate $D/outside_s64_h9/cal_C1.json $(cat $D/outside_s64_h9/dev64_rows.args) --union \
    | sed -n '/== union/,$p' > "$T/dev66_C1_s64rows.txt"
cmp -s <(sed 1d "$O/dev66_C2a_s64rows.txt") <(sed 1d "$T/dev66_C1_s64rows.txt") \
    && echo "C2a reads the 137 runs of stop 64's development exactly as C1" >> "$O/dev66_C2a_s64rows.txt" \
    || echo "C2a and C1 DIFFER on the 137 runs of stop 64's development" >> "$O/dev66_C2a_s64rows.txt"
"$PY" benchmarks/outside_named_other.py "$O/cal_C2a.json" > "$O/dev66_other_stored.txt"
