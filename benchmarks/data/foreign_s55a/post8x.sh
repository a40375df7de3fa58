#!/bin/bash
# after the cut: today's default on each fresh seed (foreign_zoo_detect.py --score), then the
# plan's rule on seeds 80 + 81 pooled (class_excess_fresh.py); issue 9, stop 55: h9A.
# bash post8x.sh   (in the worktree root; the runs under /tmp/h9As55/run)
R=/tmp/h9As55/run; D=benchmarks/data/foreign_s55a; PY=/work/main/.venv/bin/python
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
for S in 80 81; do
  PYTHONPATH=src:benchmarks $PY benchmarks/foreign_zoo_detect.py $R/zoo-s$S --out $R/out$S/detect$S.jsonl \
      --score --script-families --json $D/detect${S}_score.json > $D/detect${S}_score.txt
  gzip -c $R/out$S/detect$S.jsonl > $D/detect${S}_runs.jsonl.gz
  gzip -c $R/zoo-s$S/truth.json > $D/zoo-s${S}_truth.json.gz
done
PYTHONPATH=src:benchmarks $PY benchmarks/class_excess_fresh.py \
    --fresh 80=$R/zoo-s80,$R/out80/detect80.jsonl --fresh 81=$R/zoo-s81,$R/out81/detect81.jsonl \
    --candidate $D/cal_X.json --eval $D/class_excess_dev.json --json $D/rule_s55a.json \
    > $D/rule_s55a.log 2>&1
tail -12 $D/rule_s55a.log
