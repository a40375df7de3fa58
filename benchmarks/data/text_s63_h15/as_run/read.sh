#!/bin/bash
# stop 63: the readings of the fresh dumps (no forward pass), after the readers end: the rule's
# two parts (plan.md: A, today's default lost:5:1 --goal-only; B, the candidate deep:5:1
# against today's lost:5:1 with --fpr-slack 0.02), each under the turned count and the old
# count (all fired) beside it, --neg-first N where the held-out clean set was read to N
# (--expect 1), the inputs each missed, every score's figures, latency.
#   bash read.sh N   (N: held-out clean inputs read, 0 = whole)
cd /work/wt/h15 || exit 1
O=benchmarks/data/text_s63_h15; N=${1:-0}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
CUTOPT=(); PART=(); [ "$N" -gt 0 ] && CUTOPT=(--neg-first "$N") && PART=(--partial)
FRESH=$(ls $O/dump_both_*.json)
R=(benchmarks/span_text_rule.py $FRESH --min-count 30 --expect 1 "${CUTOPT[@]}")
$PY "${R[@]}" --candidate lost:5:1 --goal-only --count turned --json $O/rule_today.json > $O/rule_today.txt
$PY "${R[@]}" --candidate lost:5:1 --goal-only --count fired --json $O/rule_today_fired.json > $O/rule_today_fired.txt
$PY "${R[@]}" --candidate deep:5:1 --today lost:5:1 --fpr-slack 0.02 --count turned --json $O/rule.json > $O/rule.txt
$PY "${R[@]}" --candidate deep:5:1 --today lost:5:1 --fpr-slack 0.02 --count fired --json $O/rule_fired.json > $O/rule_fired.txt
for c in lost deep; do
  $PY benchmarks/span_text_misses.py $FRESH --candidate $c:5:1 "${PART[@]}" --json $O/misses_$c.json > $O/misses_$c.txt
done
$PY benchmarks/span_text_report.py $FRESH "${PART[@]}" --json $O/report.json > $O/report.txt
$PY benchmarks/span_text_report.py $FRESH --latency --json $O/latency.json > $O/latency.txt
