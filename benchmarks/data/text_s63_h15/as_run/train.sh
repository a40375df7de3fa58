#!/bin/bash
# stop 63 (issue 15, h15): the two fresh MiniLM fine-tunes at once, at stop 62's recipe
# (text_s62_h15/plan.md "Fresh population"): the 2,500-sentence rt-polarity CSV rebuilt in
# /tmp/h15/fresh/minilm (md5 f0561a347be44d594a2934d74c1c30dc, checked), lr 1e-4, 2 epochs,
# max_len 40, today's attack defaults, one CLI `attack` per model (span_text_runs.sh JOBS=none):
# addsent-3201 (target 1; a rebuild of stop 62's model, whose CA/ASR record is
# text_s62_h15/minilm-addsent-3201.json, never read by any detector) and addsent-3202 (target 0,
# new). Started at 18:09:09 UTC, before the plan; nothing of either model is read before the
# plan's commit.
cd /work/wt/h15 || exit 1
export PYTHON=/work/main/.venv/bin/python JOBS=none
bash benchmarks/span_text_runs.sh /tmp/h15/fresh benchmarks/data/text_s63_h15 "3201:1:addsent 3202:0:addsent" "0"
