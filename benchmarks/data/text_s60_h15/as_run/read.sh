#!/bin/bash
# stop 60: the readings of the fresh dumps (no forward pass except the miss texts, which rebuild
# the split on each run folder): the rule (plan.md; --neg-first N where a held-out set was cut
# at N), each score's figures, latency, the inputs today's default missed and their texts.
#   bash read.sh [N] [texts]   (N: the held-out clean inputs both readers reached, 0 = whole;
#   "texts": only the miss texts, a forward pass on each run: run when a heavy slot is free)
cd /work/wth15 || exit 1
O=benchmarks/data/text_s60_h15; N=${1:-0}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
CUTOPT=(); PART=(); [ "$N" -gt 0 ] && CUTOPT=(--neg-first "$N") && PART=(--partial)
if [ "${2:-}" != texts ]; then
$PY benchmarks/span_text_rule.py $O/dump_*.json --candidate lost:5:1 --goal-only --expect 2 "${CUTOPT[@]}" --json $O/rule.json > $O/rule.txt
$PY benchmarks/span_text_report.py $O/dump_*.json "${PART[@]}" --json $O/report.json > $O/report.txt
$PY benchmarks/span_text_report.py $O/dump_*.json --latency --json $O/latency.json > $O/latency.txt
$PY benchmarks/span_text_misses.py $O/dump_*.json --candidate lost:5:1 "${PART[@]}" --json $O/misses.json > $O/misses.txt
exit 0; fi
for run in $(python3 -c "import json,sys; print(*sorted({'/tmp/h15s60/fresh/minilm/' + m['model'] for m in json.load(open(sys.argv[1]))}))" $O/misses.json); do  # the runs read only
  [ -d "$run" ] && nice -n 5 $PY benchmarks/span_text_miss_texts.py "$run" $O/misses.json --json $O/miss_texts_$(basename "$run").json > $O/miss_texts_$(basename "$run").txt
done
