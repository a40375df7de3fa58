#!/bin/bash
# after the 01:05 cut (issue 9, stop 57: h9), in the worktree root, the runs under
# /tmp/h9s57/run: today's default on each fresh seed whole (foreign_zoo_detect.py --score
# --script-families); the plan's rule on 87 + 88 pooled (class_excess_rule56.py: the shipped file
# against candidate M); then each seed, the pool and 83-88 held out one family at a time
# (lofo_fresh.py: today's default is its V column; M its M column).
R=/tmp/h9s57/run; D=benchmarks/data/foreign_s57; PY=/work/main/.venv/bin/python
A=benchmarks/data/foreign_s56a; B=benchmarks/data/foreign_s56b
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
for S in 87 88; do   # the two scoring loops' files joined (score8x.sh): one row per model
  cat $R/out$S/detect$S.jsonl $R/out$S/detect${S}B.jsonl 2>/dev/null | $PY -c '
import json, sys
seen = set()
for line in sys.stdin:
    if line.strip() and json.loads(line)["name"] not in seen:
        seen.add(json.loads(line)["name"]); sys.stdout.write(line)' > $R/out$S/detect${S}_all.jsonl
  $PY benchmarks/foreign_zoo_detect.py $R/zoo-s$S --out $R/out$S/detect${S}_all.jsonl \
      --score --script-families --per-model --json $D/detect${S}_score.json > $D/detect${S}_score.txt 2>&1
  gzip -c $R/out$S/detect${S}_all.jsonl > $D/detect${S}_runs.jsonl.gz
  gzip -c $R/zoo-s$S/truth.json > $D/zoo-s${S}_truth.json.gz
done
$PY benchmarks/class_excess_rule56.py --fresh 87=$R/zoo-s87,$R/out87/detect87_all.jsonl \
    --fresh 88=$R/zoo-s88,$R/out88/detect88_all.jsonl --candidate $D/cal_M.json \
    --eval $D/dev_M.json --min-models 24 --json $D/rule57.json > $D/rule57.log 2>&1
tail -9 $D/rule57.log
nice -n 5 $PY benchmarks/lofo_fresh.py \
    --fresh 87=$D/detect87_runs.jsonl.gz,$D/zoo-s87_truth.json.gz \
    --fresh 88=$D/detect88_runs.jsonl.gz,$D/zoo-s88_truth.json.gz \
    --fresh 83=$A/detect83_runs.jsonl.gz,$A/zoo-s83_truth.json.gz \
    --fresh 84=$A/detect84_runs.jsonl.gz,$A/zoo-s84_truth.json.gz \
    --fresh 85=$B/detect85_runs.jsonl.gz,$B/zoo-s85_truth.json.gz \
    --fresh 86=$B/detect86_runs.jsonl.gz,$B/zoo-s86_truth.json.gz \
    --pool 87+88=87,88 --pool 83-88=83,84,85,86,87,88 --min-lift $D/cal_M.json \
    --json $D/lofo87_88.json > $D/lofo87_88.log 2>&1
