#!/bin/bash
# stop 59 development (no forward pass): the stop 57/58 dumps of spent MiniLM 3190/3191/3194
# gunzipped into /tmp/h15s59/dev (3190/3191: stop 57's strip dumps, the whole-set one first so
# the held-out first-120 dump overrides its 10-20 inputs; stop 58's 5:1 span dumps), then:
cd /work/wth15
D=/tmp/h15s59/dev; : > /tmp/h15s59/devlist
for m in 3190 3191; do for f in text_s57_h15_minilm_dump_strip_guard-neg-trig_addsent-$m.json text_s57_h15_minilm_dumpN_strip_neg_addsent-$m.json text_s57_h15_minilm_dumpT_strip_trig_addsent-$m.json text_s58_h15_minilm_dumpTG_span_5-1_addsent-$m.json text_s58_h15_minilm_dumpN_span_5-1_addsent-$m.json; do echo $D/$f >> /tmp/h15s59/devlist; done; done
ls $D/text_s58_h15_dump_*3194.json >> /tmp/h15s59/devlist
O=benchmarks/data/text_s59_h15/dev
PYTHONPATH=src:benchmarks /work/main/.venv/bin/python benchmarks/span_text_report.py $(cat /tmp/h15s59/devlist) --partial --json $O/report_minilm_3190-3191-3194.json > $O/report_minilm_3190-3191-3194.txt
PYTHONPATH=src:benchmarks /work/main/.venv/bin/python benchmarks/span_text_misses.py $(cat /tmp/h15s59/devlist) --partial --candidate lost:5:1 --json $O/misses_minilm_3190-3191-3194.json > $O/misses_minilm_3190-3191-3194.txt
PYTHONPATH=src:benchmarks /work/main/.venv/bin/python benchmarks/span_text_report.py $D/tc3170.json --partial --json $O/report_textcnn_3170.json > $O/report_textcnn_3170.txt   # tc3170: text_s57_h15/dev/dump_textcnn_addsent-3170.json.gz
