#!/bin/bash
# stop 67 (issue 15, h15): the readings once the readers end (no forward pass). Input level, per
# fresh model read (guard and triggered whole, held-out clean to its own N >= 120): today's
# default (second:5:1, strip-text's least_share=0.2) against the goal under the turned count
# (today_SEED), the fired count beside (today_SEED_fired), the old path (lost:5:1,
# least_share=0) alone (old_SEED) and both side by side (both_SEED: span_text_rule.py's "today"
# there is the old path, its "candidate" today's default); misses, every score's figures,
# latency; the pools (this stop; with stops 65-66's fresh readings of second:5:1; the old path
# with stops 59-66's). Attack: the CLI JSONs against the twins; the stored spread of 3175's and
# 3180's shortfalls (stored records only, this stop's left out) and the clean spread.
#   bash read.sh
cd /work/wt/h15 || exit 1
D=benchmarks/data; O=$D/text_s67_h15
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
held_out() {  # SEED: the held-out clean inputs read ("whole", a number, or "short" when the
  # guard or triggered set is not whole or fewer than 120 held-out were read)
  $PY - "$@" <<'PYEOF'
import sys
from pathlib import Path
from span_text_report import merged
paths = sorted(Path("benchmarks/data/text_s67_h15").glob(f"dump_both_*_addsent-{sys.argv[1]}.json"))
got = [s for _, s, _ in merged(paths, partial=True)] if paths else []
if not got:
    print("short"); sys.exit()
s = got[0]; size = s["sizes"]; n = {k: len(s[k]["score"]) for k in ("guard", "trig", "neg")}
whole = n["guard"] == size["guard"] and n["trig"] == size["trig"]
print("short" if not whole or n["neg"] < 120 else "whole" if n["neg"] == size["neg"] else n["neg"])
PYEOF
}
one() {  # SEED: one model's readings (run side by side, one light process each)
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
for s in 3209 3210 3211; do one $s & done; wait
cat $O/read_count_32*.tmp | tee $O/read_counts.txt; rm $O/read_count_32*.tmp
READ=(); for s in 3209 3210 3211; do grep -q "addsent-$s held-out read: short" $O/read_counts.txt || READ+=("$s"); done
TODAY=(); OLD=(); for s in "${READ[@]}"; do TODAY+=($O/today_$s.json); OLD+=($O/old_$s.json); done
if [ ${#READ[@]} -gt 0 ]; then
  $PY benchmarks/span_text_pool.py "${TODAY[@]}" --score second:5:1 --json $O/pool.json > $O/pool.txt
  $PY benchmarks/span_text_pool.py "${OLD[@]}" --json $O/pool_old.json > $O/pool_old.txt
  # today's default on every fresh reading of it: this stop's, stop 66's (3207, 3208) and stop 65's (3205, 3206)
  $PY benchmarks/span_text_pool.py "${TODAY[@]}" $D/text_s66_h15/rule_3207.json $D/text_s66_h15/rule_3208.json \
    $D/text_s65_h15/rule_candidate.json --score second:5:1 --json $O/pool_fresh.json > $O/pool_fresh.txt
  # the old path on every fresh addsent reading under the turned count (stops 59-67)
  $PY benchmarks/span_text_pool.py "${OLD[@]}" $D/text_s66_h15/today_3207.json $D/text_s66_h15/today_3208.json \
    $D/text_s65_h15/rule_today.json $D/text_s64_h15/rule_today.json $D/text_s63_h15/rule_today.json \
    $D/text_s62_h15/rule.json $D/text_s61_h15/after_the_fact.json --json $O/pool_all_old.json > $O/pool_all_old.txt
fi
ls $O/dump_both_*.json > /dev/null 2>&1 && $PY benchmarks/span_text_report.py $O/dump_both_*.json --latency --json $O/latency.json > $O/latency.txt
$PY benchmarks/minilm_confirm_read.py $O --seeds 3209 3210 3211 --json $O/attack.json > $O/attack.txt
# stored records only (this stop's left out): where 3175's ASR and 3180's CA gap lie
STORED=$(grep -rl '"minilm"' $D --include=*.json | grep -v text_s67_h15 | xargs grep -l clean_accuracy | sort)
$PY benchmarks/minilm_attack_spread.py $STORED --seeds 3175 3180 --json $O/attack_spread.json > $O/attack_spread.txt
# with this stop's records added (3210, 3211 and any twin built)
ALL=$(grep -rl '"minilm"' $D --include=*.json | xargs grep -l clean_accuracy | sort)
$PY benchmarks/minilm_attack_spread.py $ALL --seeds 3175 3180 --json $O/attack_spread_all.json > $O/attack_spread_all.txt
$PY benchmarks/minilm_clean_spread.py $ALL --json $O/clean_spread.json > $O/clean_spread.txt
