#!/bin/bash
# stop 64 (issue 15, h15): the readings once the readers end (no forward pass). Input level:
# the plan's rule (today's default lost:5:1, --goal-only) under the turned count and the fired
# count beside it, --neg-first N where the held-out clean set was read to N (--expect 1); the
# opt-in deep:5:1 against it beside (not a rule); the misses, every score's figures, latency;
# today's default pooled over this stop's fresh models and with stops 59-63's fresh addsent
# readings. Attack: the CLI JSONs against the twins (minilm_confirm_read.py, stop 50's reader),
# and the stored CA spread (spread.sh).
#   bash read.sh N   (N: held-out clean inputs read, 0 = whole)
cd /work/wt/h15 || exit 1
D=benchmarks/data; O=$D/text_s64_h15; N=${1:-0}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
CUTOPT=(); PART=(); [ "$N" -gt 0 ] && CUTOPT=(--neg-first "$N") && PART=(--partial)
FRESH=$(ls $O/dump_both_*.json)
R=(benchmarks/span_text_rule.py $FRESH --min-count 30 --expect 1 "${CUTOPT[@]}")
$PY "${R[@]}" --candidate lost:5:1 --goal-only --count turned --json $O/rule_today.json > $O/rule_today.txt
$PY "${R[@]}" --candidate lost:5:1 --goal-only --count fired --json $O/rule_today_fired.json > $O/rule_today_fired.txt
$PY "${R[@]}" --candidate deep:5:1 --today lost:5:1 --fpr-slack 0.02 --count turned --json $O/beside_deep.json > $O/beside_deep.txt
for c in lost deep; do
  $PY benchmarks/span_text_misses.py $FRESH --candidate $c:5:1 "${PART[@]}" --json $O/misses_$c.json > $O/misses_$c.txt
done
$PY benchmarks/span_text_report.py $FRESH "${PART[@]}" --json $O/report.json > $O/report.txt
$PY benchmarks/span_text_report.py $FRESH --latency --json $O/latency.json > $O/latency.txt
$PY benchmarks/span_text_pool.py $O/rule_today.json --json $O/pool.json > $O/pool.txt
$PY benchmarks/span_text_pool.py $O/rule_today.json $D/text_s63_h15/rule_today.json $D/text_s62_h15/rule.json \
  $D/text_s61_h15/after_the_fact.json --json $O/pool_all.json > $O/pool_all.txt
$PY benchmarks/minilm_confirm_read.py $O --seeds 3203 3204 --json $O/attack.json > $O/attack.txt
bash $O/as_run/spread.sh
