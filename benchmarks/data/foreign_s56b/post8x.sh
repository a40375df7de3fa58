#!/bin/bash
# after the cut (issue 9, stop 56: h9B), in the worktree root, the runs under /tmp/h9Bs56/run:
# today's default on each fresh seed whole (foreign_zoo_detect.py --score); the plan's rule on
# 85 + 86 pooled (class_excess_rule56.py: the shipped file against candidate Y); then, for
# information, each seed and the pool held out one family at a time (lofo_fresh.py) with the
# shipped excess terms (today's) and with Y's.
R=/tmp/h9Bs56/run; D=benchmarks/data/foreign_s56b; PY=/work/main/.venv/bin/python
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
for S in 85 86; do   # the scoring loops' files joined (score_loop.sh, score_split.sh): one row
  # per model, the first written (score_split.sh's clean file starts with the earlier rows)
  cat $R/out$S/detect$S.jsonl $R/out$S/detect${S}B.jsonl $R/out$S/detect${S}_clean.jsonl \
      $R/out$S/detect${S}_backdoored.jsonl 2>/dev/null | $PY -c '
import json, sys
seen = set()
for line in sys.stdin:
    if line.strip() and json.loads(line)["name"] not in seen:
        seen.add(json.loads(line)["name"]); sys.stdout.write(line)' > $R/out$S/detect${S}_all.jsonl
  $PY benchmarks/foreign_zoo_detect.py $R/zoo-s$S --out $R/out$S/detect${S}_all.jsonl \
      --score --script-families --json $D/detect${S}_score.json > $D/detect${S}_score.txt
  gzip -c $R/out$S/detect${S}_all.jsonl > $D/detect${S}_runs.jsonl.gz
  gzip -c $R/zoo-s$S/truth.json > $D/zoo-s${S}_truth.json.gz
done
$PY benchmarks/class_excess_rule56.py --fresh 85=$R/zoo-s85,$R/out85/detect85_all.jsonl \
    --fresh 86=$R/zoo-s86,$R/out86/detect86_all.jsonl --candidate $D/cal_Y.json \
    --eval $D/class_excess_dev.json --json $D/rule56.json > $D/rule56.log 2>&1
tail -9 $D/rule56.log
F="--fresh 85=$D/detect85_runs.jsonl.gz,$D/zoo-s85_truth.json.gz
 --fresh 86=$D/detect86_runs.jsonl.gz,$D/zoo-s86_truth.json.gz --pool 85+86=85,86"
nice -n 5 $PY benchmarks/lofo_fresh.py $F --excess benchmarks/data/foreign_s55a/cal_X.json \
    --json $D/lofo85_86.json > $D/lofo85_86.log 2>&1   # today (X), named: the file ships Y now
nice -n 5 $PY benchmarks/lofo_fresh.py $F --excess $D/cal_Y.json --json $D/lofo85_86_Y.json \
    > $D/lofo85_86_Y.log 2>&1
