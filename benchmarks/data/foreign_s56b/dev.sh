#!/bin/bash
# development reading of the excess term on six seeds (issue 9, stop 56: h9B), in the worktree
# root: the stored runs of foreign seeds 73, 76, 77, 79 (ratios re-read at stop 55,
# foreign_s55a/dev_ratios.jsonl.gz) and 80, 81 (ratios recorded by auto), read leave one seed
# out. Candidate Y: the grid widened to wide 1.1 / 1.15 and most 3 logits, starts to 1.5 (its
# file cal_Y.json). For comparison, stop 55's design D refitted on the same six seeds, and a
# grid that may read every class (wide 1.0, 1.05; most 4): their files in /tmp only.
PY=/work/main/.venv/bin/python; D=benchmarks/data; T=/tmp/h9Bs56; Z=$T/zoos
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
for p in "73 foreign_s52" "76 foreign_s53b" "77 foreign_s54a" "79 foreign_s54c" \
         "80 foreign_s55a" "81 foreign_s55a"; do   # the zoos' truth (the model files are gone)
  set -- $p; mkdir -p $Z/zoo-s$1; zcat $D/$2/zoo-s$1_truth.json.gz > $Z/zoo-s$1/truth.json
done
DEV="--dev 73=$Z/zoo-s73,foreign_s52/detect73_runs.jsonl.gz
 --dev 76=$Z/zoo-s76,foreign_s53b/detect76_runs.jsonl.gz
 --dev 77=$Z/zoo-s77,foreign_s54a/detect77_runs.jsonl.gz
 --dev 79=$Z/zoo-s79,foreign_s54c/detect79_runs.jsonl.gz
 --dev 80=$Z/zoo-s80,foreign_s55a/detect80_runs.jsonl.gz
 --dev 81=$Z/zoo-s81,foreign_s55a/detect81_runs.jsonl.gz --ratios $D/foreign_s55a/dev_ratios.jsonl.gz"
EVAL="--eval-rows $D/foreign_s50/eval_rows_s50.jsonl.gz --eval-ratios $D/foreign_s55a/eval_ratios.jsonl.gz"
STARTS=$(seq -s, 0.10 0.05 1.50)
PYTHONPATH=src:benchmarks nice -n 5 $PY benchmarks/class_excess_fit.py $DEV $EVAL --name Y \
    --starts $STARTS --slopes 0,4 --wides 1.1,1.15,1.2,1.3,1.4 --mosts 2,3 --out $D/foreign_s56b \
    > $D/foreign_s56b/class_excess_dev.log
for g in "0,4 1.2,1.3,1.4 2 D6" "0,4 1.0,1.05,1.1,1.15,1.2,1.3,1.4 2,3,4 W"; do
  set -- $g; mkdir -p $T/fit_$4
  PYTHONPATH=src:benchmarks nice -n 5 $PY benchmarks/class_excess_fit.py $DEV $EVAL --name $4 \
      --starts $STARTS --slopes $1 --wides $2 --mosts $3 --out $T/fit_$4 \
      > $D/foreign_s56b/class_excess_dev_$4.log
done
