#!/bin/bash
# stop 68 (issue 15, h15): the readings once the queue ends (no forward pass). Input level, per
# fresh target-1 model read (guard and triggered whole, held-out clean to its own N >= 120):
# today's default (second:5:1, strip-text's least_share=0.2) against the goal under the turned
# count (today_SEED), the fired count beside (today_SEED_fired), the old path (lost:5:1,
# least_share=0) alone (old_SEED) and both side by side (both_SEED); misses, report; the pools
# (this stop; with stops 65-67's fresh readings of second:5:1; the old path with stops 59-67's).
# Model level: minilm_model_level.py over every MiniLM folder detect read. Attack: the CLI JSONs
# against the twins; per attack over the stored record (minilm_attack_record.py); 3175's and
# 3180's shortfalls and the clean spread with this stop's records.
#   bash read.sh
cd /work/wt/h15 || exit 1
D=benchmarks/data; O=$D/text_s68_h15; W=/tmp/h15s68/minilm
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
held_out() {  # SEED: the held-out clean inputs read ("whole", a number, or "short" when the
  # guard or triggered set is not whole or fewer than 120 held-out were read)
  $PY - "$@" <<'PYEOF'
import sys
from pathlib import Path
from span_text_report import merged
paths = sorted(Path("benchmarks/data/text_s68_h15").glob(f"dump_both_*_addsent-{sys.argv[1]}.json"))
got = [s for _, s, _ in merged(paths, partial=True)] if paths else []
if not got:
    print("short"); sys.exit()
s = got[0]; size = s["sizes"]; n = {k: len(s[k]["score"]) for k in ("guard", "trig", "neg")}
whole = n["guard"] == size["guard"] and n["trig"] == size["trig"]
print("short" if not whole or n["neg"] < 120 else "whole" if n["neg"] == size["neg"] else n["neg"])
PYEOF
}
one() {  # SEED: one model's readings
  local s=$1 n; n=$(held_out $s); echo "addsent-$s held-out read: $n" > $O/read_count_$s.tmp
  [ "$n" = short ] && return
  local CUTOPT=() PART=() DUMPS R; [ "$n" = whole ] || { CUTOPT=(--neg-first "$n"); PART=(--partial); }
  DUMPS=$(ls $O/dump_both_*_addsent-$s.json)
  R=(benchmarks/span_text_rule.py $DUMPS --min-count 30 --expect 1 "${CUTOPT[@]}")
  $PY "${R[@]}" --candidate second:5:1 --goal-only --count turned --json $O/today_$s.json > $O/today_$s.txt
  $PY "${R[@]}" --candidate second:5:1 --goal-only --count fired --json $O/today_${s}_fired.json > $O/today_${s}_fired.txt
  $PY "${R[@]}" --candidate lost:5:1 --goal-only --count turned --json $O/old_$s.json > $O/old_$s.txt
  $PY "${R[@]}" --today lost:5:1 --candidate second:5:1 --count turned --json $O/both_$s.json > $O/both_$s.txt
  for score in second lost; do
    $PY benchmarks/span_text_misses.py $DUMPS --candidate $score:5:1 "${PART[@]}" --json $O/misses_${score}_$s.json > $O/misses_${score}_$s.txt
  done
  $PY benchmarks/span_text_report.py $DUMPS "${PART[@]}" --json $O/report_$s.json > $O/report_$s.txt
}
for s in 3212 3213; do one $s & done; wait
cat $O/read_count_32*.tmp | tee $O/read_counts.txt; rm $O/read_count_32*.tmp
READ=(); for s in 3212 3213; do grep -q "addsent-$s held-out read: short" $O/read_counts.txt || READ+=("$s"); done
TODAY=(); OLD=(); for s in "${READ[@]}"; do TODAY+=($O/today_$s.json); OLD+=($O/old_$s.json); done
P=$D/text_s67_h15
if [ ${#READ[@]} -gt 0 ]; then
  $PY benchmarks/span_text_pool.py "${TODAY[@]}" --score second:5:1 --json $O/pool.json > $O/pool.txt
  $PY benchmarks/span_text_pool.py "${OLD[@]}" --json $O/pool_old.json > $O/pool_old.txt
  # today's default on every fresh reading of it: this stop's (t 1), stop 67's (3209-3211), 66's (3207, 3208), 65's (3205, 3206)
  $PY benchmarks/span_text_pool.py "${TODAY[@]}" $P/today_3209.json $P/today_3210.json $P/today_3211.json \
    $D/text_s66_h15/rule_3207.json $D/text_s66_h15/rule_3208.json $D/text_s65_h15/rule_candidate.json \
    --score second:5:1 --json $O/pool_fresh.json > $O/pool_fresh.txt
  # the old path on every fresh addsent reading under the turned count (stops 59-68)
  $PY benchmarks/span_text_pool.py "${OLD[@]}" $P/old_3209.json $P/old_3210.json $P/old_3211.json \
    $D/text_s66_h15/today_3207.json $D/text_s66_h15/today_3208.json \
    $D/text_s65_h15/rule_today.json $D/text_s64_h15/rule_today.json $D/text_s63_h15/rule_today.json \
    $D/text_s62_h15/rule.json $D/text_s61_h15/after_the_fact.json --json $O/pool_all_old.json > $O/pool_all_old.txt
fi
ls $O/dump_both_*.json > /dev/null 2>&1 && $PY benchmarks/span_text_report.py $O/dump_both_*.json --latency --json $O/latency.json > $O/latency.txt
# model level: every MiniLM folder detect read (stored, then this stop's)
S=/tmp/h15; FOLDERS=$(ls -d $S/fresh/minilm/addsent-320{1,2} $S/s64/minilm/{addsent,clean}-320{3,4} \
  /tmp/h15s65/minilm/{addsent,clean}-320{5,6} /tmp/h15s66/minilm/{addsent,clean}-320{7,8} \
  /tmp/h15s66/minilm/addsent-3209 /tmp/h15s67/minilm/{addsent,clean}-321{0,1} \
  $W/{addsent,clean}-321{2,3} 2>/dev/null)
$PY benchmarks/minilm_model_level.py $O/detect $FOLDERS --json $O/model_level.json > $O/model_level.txt
$PY benchmarks/minilm_model_level.py $O/detect $(echo "$FOLDERS" | grep -v h15s68) --json $O/model_level_stored.json > $O/model_level_stored.txt
$PY benchmarks/minilm_confirm_read.py $O --seeds 3212 3213 --json $O/attack.json > $O/attack.txt
ALL=$(grep -rl '"minilm"' $D --include=*.json | xargs grep -l clean_accuracy | sort)
$PY benchmarks/minilm_attack_record.py $ALL --since syntactic=3170 --same syntactic-kc=syntactic --json $O/attack_record.json > $O/attack_record.txt
$PY benchmarks/minilm_attack_spread.py $ALL --seeds 3175 3180 --json $O/attack_spread_all.json > $O/attack_spread_all.txt
$PY benchmarks/minilm_clean_spread.py $ALL --json $O/clean_spread.json > $O/clean_spread.txt
