#!/bin/bash
# after the cut (issue 9, stop 56: h9A): today's default on each fresh seed
# (foreign_zoo_detect.py --score), pixel_norm_start.py re-run on this code (the stored runs P
# moves, zoo/eval; its rewritten cal_P.json must equal the committed one), the leave-one-family-out
# reading of 83, 84 and the pool 83+84 (lofo_fresh.py, P beside today's V), then the plan's rule
# (pixel_norm_fresh.py). bash post8x.sh   (in the worktree root; the runs under /tmp/h9As56/run)
R=/tmp/h9As56/run; D=benchmarks/data/foreign_s56a; PY=/work/main/.venv/bin/python
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
for S in 83 84; do   # score_split.sh's three run files merged into the seed's (each name once)
  $PY -c "import json,sys
seen = {json.loads(l)['name'] for l in open(sys.argv[1])}
with open(sys.argv[1], 'a') as out:
    for path in sys.argv[2:]:
        for l in open(path):
            if json.loads(l)['name'] not in seen:
                seen.add(json.loads(l)['name']); out.write(l)" \
      $R/out$S/detect$S.jsonl $R/out$S/detect${S}_g*.jsonl
  $PY benchmarks/foreign_zoo_detect.py $R/zoo-s$S --out $R/out$S/detect$S.jsonl \
      --score --script-families --per-model --json $D/detect${S}_score.json > $D/detect${S}_score.txt
  gzip -c $R/out$S/detect$S.jsonl > $D/detect${S}_runs.jsonl.gz
  gzip -c $R/zoo-s$S/truth.json > $D/zoo-s${S}_truth.json.gz
done
[ -f $D/dev_P_merged.json ] || $PY benchmarks/pixel_norm_start.py --write $R/cal_P_merged.json \
    --json $D/dev_P_merged.json > $D/dev_P_merged.log 2>&1   # read while the seeds were scored
cmp $R/cal_P_merged.json $D/cal_P.json && echo "cal_P.json rewritten identical"
RULE="$PY benchmarks/pixel_norm_fresh.py --fresh 83=$R/zoo-s83,$R/out83/detect83.jsonl
    --fresh 84=$R/zoo-s84,$R/out84/detect84.jsonl --candidate $D/cal_P.json --pool 83+84
    --dev $D/dev_P_merged.json"
$RULE --json $D/rule_s56a_whole.json > $D/rule_s56a_whole.log 2>&1   # first: without --lofo
tail -9 $D/rule_s56a_whole.log
for S in 83 84; do cp $R/build_score$S.log $R/score$S.log $R/split$S.log $D/; done
$PY benchmarks/lofo_fresh.py --fresh 83=$R/out83/detect83.jsonl,$R/zoo-s83/truth.json \
    --fresh 84=$R/out84/detect84.jsonl,$R/zoo-s84/truth.json --pool 83+84=83,84 \
    --json $D/lofo83_84.json > $D/lofo83_84.log 2>&1
grep -E "^==|^worst|^whole|^moved" $D/lofo83_84.log
$RULE --lofo $D/lofo83_84.json --json $D/rule_s56a.json > $D/rule_s56a.log 2>&1
tail -9 $D/rule_s56a.log
