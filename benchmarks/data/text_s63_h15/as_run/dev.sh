#!/bin/bash
# stop 63 (issue 15, h15): the development of deep:5:1 on spent dumps only (no forward pass),
# before the plan: stop 62's 3200, stop 59's 3195 and stop 60's 3198 (with stop 61's twins),
# stop 61's badnl-3199, stop 58's 3194 (no twins: fired only); each weight's figures.
cd /work/wt/h15 || exit 1
D=benchmarks/data; O=$D/text_s63_h15
PYTHONPATH=src:benchmarks /work/main/.venv/bin/python benchmarks/span_text_deep_dev.py --weights 0 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.5 \
 --model 3200 $D/text_s62_h15/dump_both_*.json \
 --model 3195 $D/text_s59_h15/dump_span_trig-guard-neg_addsent-3195.json.gz $D/text_s59_h15/dump_strip_trig-guard-neg_addsent-3195.json.gz $D/text_s61_h15/twins_addsent-3195.json \
 --model 3198 $D/text_s60_h15/dump_span_trig-guard-neg_addsent-3198.json $D/text_s60_h15/dump_strip_trig-guard-neg_addsent-3198.json $D/text_s61_h15/twins_addsent-3198.json \
 --model 3199 $D/text_s61_h15/dump_both_*3199.json \
 --model 3194 $D/text_s58_h15/dump_*3194.json.gz --json $O/dev.json > $O/dev.txt
