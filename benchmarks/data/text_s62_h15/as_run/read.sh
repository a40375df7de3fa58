#!/bin/bash
# stop 62: the readings (no forward pass except the miss texts), side by side (the readers
# have ended: at most three processes): the rule (plan.md: --count turned --min-count 30,
# --neg-first N where the held-out clean set was read to N; --expect 1: only 3200 could be
# read by the cut, and the plan then has the rule speak of the model read), the same under the
# old count (all fired), each score's figures under both counts, the inputs today's default
# missed, latency. The dumps' pieces (--start) are joined by span_text_report.merged.
#   bash read.sh N [texts]   (N: held-out clean inputs read, 0 = whole; "texts": the miss
#   texts only, one forward pass per run)
cd /work/wth15 || exit 1
O=benchmarks/data/text_s62_h15; N=${1:-0}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
CUTOPT=(); PART=(); [ "$N" -gt 0 ] && CUTOPT=(--neg-first "$N") && PART=(--partial)
FRESH=$(ls $O/dump_both_*.json)
if [ "${2:-}" != texts ]; then
$PY benchmarks/span_text_rule.py $FRESH --candidate lost:5:1 --goal-only --count turned --min-count 30 --expect 1 "${CUTOPT[@]}" --json $O/rule.json > $O/rule.txt &
$PY benchmarks/span_text_rule.py $FRESH --candidate lost:5:1 --goal-only --count fired --expect 1 "${CUTOPT[@]}" --json $O/rule_fired.json > $O/rule_fired.txt &
$PY benchmarks/span_text_misses.py $FRESH --candidate lost:5:1 "${PART[@]}" --json $O/misses.json > $O/misses.txt &
wait
$PY benchmarks/span_text_report.py $FRESH "${PART[@]}" --json $O/report.json > $O/report.txt &
$PY benchmarks/span_text_report.py $FRESH --latency --json $O/latency.json > $O/latency.txt &
wait
exit 0; fi
for run in $(python3 -c "import json,sys; print(*sorted({'/tmp/h15s62/fresh/minilm/' + m['model'] for m in json.load(open(sys.argv[1]))}))" $O/misses.json); do
  [ -d "$run" ] && nice -n 5 $PY benchmarks/span_text_miss_texts.py "$run" $O/misses.json --json $O/miss_texts_$(basename "$run").json > $O/miss_texts_$(basename "$run").txt
done
