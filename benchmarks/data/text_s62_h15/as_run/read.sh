#!/bin/bash
# stop 62: the readings (no forward pass except the miss texts): the rule (plan.md: --count
# turned --min-count 30 --expect 2, --neg-first N where a held-out clean set was cut at N) on
# the fresh dumps, the same under the old count (all fired), each score's figures under both
# counts, latency, the inputs today's default missed and their texts.
#   bash read.sh [N] [texts]   (N: held-out clean inputs read, 0 = whole; "texts": the miss
#   texts only, one forward pass per run: run when a heavy slot is free)
cd /work/wth15 || exit 1
O=benchmarks/data/text_s62_h15; N=${1:-0}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
CUTOPT=(); PART=(); [ "$N" -gt 0 ] && CUTOPT=(--neg-first "$N") && PART=(--partial)
FRESH=$(ls $O/dump_both_*.json)
if [ "${2:-}" != texts ]; then
$PY benchmarks/span_text_rule.py $FRESH --candidate lost:5:1 --goal-only --count turned --min-count 30 --expect 2 "${CUTOPT[@]}" --json $O/rule.json > $O/rule.txt
$PY benchmarks/span_text_rule.py $FRESH --candidate lost:5:1 --goal-only --count fired --expect 2 "${CUTOPT[@]}" --json $O/rule_fired.json > $O/rule_fired.txt
$PY benchmarks/span_text_report.py $FRESH "${PART[@]}" --json $O/report.json > $O/report.txt
$PY benchmarks/span_text_report.py $FRESH --latency --json $O/latency.json > $O/latency.txt
$PY benchmarks/span_text_misses.py $FRESH --candidate lost:5:1 "${PART[@]}" --json $O/misses.json > $O/misses.txt
exit 0; fi
for run in $(python3 -c "import json,sys; print(*sorted({'/tmp/h15s62/fresh/minilm/' + m['model'] for m in json.load(open(sys.argv[1]))}))" $O/misses.json); do
  [ -d "$run" ] && nice -n 5 $PY benchmarks/span_text_miss_texts.py "$run" $O/misses.json --json $O/miss_texts_$(basename "$run").json > $O/miss_texts_$(basename "$run").txt
done
