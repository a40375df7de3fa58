#!/bin/bash
# stop 61: the readings (no forward pass except the miss texts): the rule (plan.md: --count
# turned, --neg-first N where a held-out set was cut at N) on the fresh dumps, each score's
# figures under both counts, latency, the inputs today's default missed and their texts; and
# the after-the-fact readings of stop 60's 3198 and stop 59's 3195 under both counts (their
# stored dumps with this stop's twins-only dumps; not rules).
#   bash read.sh [N] [texts]   (N: held-out clean inputs read, 0 = whole; "texts": the miss
#   texts only, one forward pass per run: run when a heavy slot is free)
cd /work/wth15 || exit 1
O=benchmarks/data/text_s61_h15; N=${1:-0}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
CUTOPT=(); PART=(); [ "$N" -gt 0 ] && CUTOPT=(--neg-first "$N") && PART=(--partial)
# the trig-guard-neg readers first, then the neg-only readers (readers2.sh): a later dump's
# set replaces an earlier one's, so the held-out clean set is the neg reader's where it ran
FRESH=$(ls $O/dump_both_trig-guard-neg_*.json $O/dump_both_neg_*.json 2>/dev/null)
if [ "${2:-}" != texts ]; then
if [ -n "$FRESH" ]; then
$PY benchmarks/span_text_rule.py $FRESH --candidate lost:5:1 --goal-only --count turned --min-count 30 --expect 1 "${CUTOPT[@]}" --json $O/rule.json > $O/rule.txt
$PY benchmarks/span_text_rule.py $FRESH --candidate lost:5:1 --goal-only --count fired --expect 1 "${CUTOPT[@]}" --json $O/rule_fired.json > $O/rule_fired.txt
$PY benchmarks/span_text_report.py $FRESH "${PART[@]}" --json $O/report.json > $O/report.txt
$PY benchmarks/span_text_report.py $FRESH --latency --json $O/latency.json > $O/latency.txt
$PY benchmarks/span_text_misses.py $FRESH --candidate lost:5:1 "${PART[@]}" --json $O/misses.json > $O/misses.txt
fi
S60=benchmarks/data/text_s60_h15; S59=benchmarks/data/text_s59_h15
$PY benchmarks/span_text_rule.py $S60/dump_*_addsent-3198.json $O/twins_addsent-3198.json $S59/dump_*_addsent-3195.json.gz $O/twins_addsent-3195.json --candidate lost:5:1 --goal-only --count turned --expect 2 --json $O/after_the_fact.json > $O/after_the_fact.txt
exit 0; fi
for run in $(python3 -c "import json,sys; print(*sorted({'/tmp/h15s61/fresh/minilm/' + m['model'] for m in json.load(open(sys.argv[1]))}))" $O/misses.json); do
  [ -d "$run" ] && nice -n 5 $PY benchmarks/span_text_miss_texts.py "$run" $O/misses.json --json $O/miss_texts_$(basename "$run").json > $O/miss_texts_$(basename "$run").txt
done
