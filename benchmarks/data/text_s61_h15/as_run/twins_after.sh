#!/bin/bash
# stop 61: the clean twins' predictions of two spent models' stored readings (after-the-fact
# readings under the count of stop 61, not rules): stop 60's addsent-3198 (t 1) and stop 59's
# addsent-3195 (t 0), each split seed 0 rebuilt on its run folder (one forward pass), written
# as twins-only dumps that span_text_rule.py / span_text_report.py merge with the stored ones.
cd /work/wth15 || exit 1
O=benchmarks/data/text_s61_h15
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
for run in /tmp/h15s60/fresh/minilm/addsent-3198 /tmp/h15s59/fresh/minilm/addsent-3195; do
  nice -n 5 timeout 900 /work/main/.venv/bin/python benchmarks/span_text_dump.py "$run" \
    --seeds 0 --part twins --json $O/twins_$(basename "$run").json
done
