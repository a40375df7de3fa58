#!/bin/bash
# stop 65 (issue 15, h15): the readings once the readers end (no forward pass). Input level:
# the plan's rules for today's default (lost:5:1) and the candidate (second:5:1, strip-text
# -p least_share=0.2) under the turned count, the fired count beside, --neg-first N where the
# held-out clean set was read to N (--expect 2); the candidate on the stored target-1 models
# (3201, 3203: condition (c)); the misses of both, every score's figures, latency; both pooled
# over this stop's fresh models, today's also with stops 59-64's fresh addsent readings. Attack:
# the CLI JSONs against the twins (minilm_confirm_read.py), and the stored CA spread.
#   bash read.sh N   (N: held-out clean inputs read, 0 = whole)
cd /work/wt/h15 || exit 1
D=benchmarks/data; O=$D/text_s65_h15; N=${1:-0}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
CUTOPT=(); PART=(); [ "$N" -gt 0 ] && CUTOPT=(--neg-first "$N") && PART=(--partial)
FRESH=$(ls $O/dump_both_*.json)
R=(benchmarks/span_text_rule.py $FRESH --goal-only --min-count 30 --expect 2 "${CUTOPT[@]}")
for c in today:lost candidate:second; do
  name=${c%%:*}; score=${c#*:}:5:1
  $PY "${R[@]}" --candidate $score --count turned --json $O/rule_$name.json > $O/rule_$name.txt
  $PY "${R[@]}" --candidate $score --count fired --json $O/rule_${name}_fired.json > $O/rule_${name}_fired.txt
  $PY benchmarks/span_text_misses.py $FRESH --candidate $score "${PART[@]}" --json $O/misses_${score%%:*}.json > $O/misses_${score%%:*}.txt
done
$PY benchmarks/span_text_rule.py $D/text_s63_h15/dump_both_*3201.json $D/text_s64_h15/dump_both_*3203.json \
  --candidate second:5:1 --goal-only --count turned --min-count 30 --expect 2 --json $O/rule_candidate_t1.json > $O/rule_candidate_t1.txt
$PY benchmarks/span_text_report.py $FRESH "${PART[@]}" --json $O/report.json > $O/report.txt
$PY benchmarks/span_text_report.py $FRESH --latency --json $O/latency.json > $O/latency.txt
$PY benchmarks/span_text_pool.py $O/rule_today.json --json $O/pool.json > $O/pool.txt
$PY benchmarks/span_text_pool.py $O/rule_candidate.json --score second:5:1 --json $O/pool_candidate.json > $O/pool_candidate.txt
$PY benchmarks/span_text_pool.py $O/rule_today.json $D/text_s64_h15/rule_today.json $D/text_s63_h15/rule_today.json \
  $D/text_s62_h15/rule.json $D/text_s61_h15/after_the_fact.json --json $O/pool_all.json > $O/pool_all.txt
$PY benchmarks/minilm_confirm_read.py $O --seeds 3205 3206 --json $O/attack.json > $O/attack.txt
bash $O/as_run/spread.sh
