#!/bin/bash
# development reading of mmbd_class_excess (issue 9, stop 55: h9A), in the worktree root:
# margins re-read on the stored zoos of seeds 79, 76, 77, 73 and the rebuilt zoo/eval, then the
# leave-one-seed-out fit and the candidate file (design D: slope {0,4}, wide {1.2,1.3,1.4},
# most 2 logits; designs A, B, C and a free grid for comparison, their files in /tmp only)
PY=/work/main/.venv/bin/python; D=benchmarks/data/foreign_s55a; T=/tmp/h9As55
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
# (run before: mmbd_class_reread.py --zoo <zoo-s79> --zoo <zoo-s76> --zoo <zoo-s77> --zoo <zoo-s73>
#  --out $T/dev_ratios4.jsonl; mmbd_class_reread.py --zoo $T/zoo/eval --out $T/eval_ratios.jsonl)
DEV="--dev 79=/tmp/h9Cs54/run/zoo-s79,foreign_s54c/detect79_runs.jsonl.gz
 --dev 76=/tmp/h9Bs53/run/zoo-s76,foreign_s53b/detect76_runs.jsonl.gz
 --dev 77=/tmp/h9As54/run/zoo-s77,foreign_s54a/detect77_runs.jsonl.gz
 --dev 73=/tmp/h9s52/run/zoo-s73,foreign_s52/detect73_runs.jsonl.gz --ratios $T/dev_ratios4.jsonl"
PYTHONPATH=src:benchmarks nice -n 5 $PY benchmarks/class_excess_fit.py $DEV --slopes 0,4 \
    --wides 1.2,1.3,1.4 --mosts 2 --out $D --eval-rows $D/../foreign_s50/eval_rows_s50.jsonl.gz \
    --eval-ratios $T/eval_ratios.jsonl > $D/class_excess_dev.log
for g in "0,4 0,1.2,1.3,1.4 2 A" "0,2,4 1.2,1.3,1.4 1,2 B" "0,4 1.3,1.4 2 C" \
         "0,2,4,8,16 0,1.2,1.3,1.4,1.5 1,2,3,inf free"; do
  set -- $g; mkdir -p $T/fit_$4
  PYTHONPATH=src:benchmarks nice -n 5 $PY benchmarks/class_excess_fit.py $DEV --slopes $1 \
      --wides $2 --mosts $3 --out $T/fit_$4 --eval-rows $D/../foreign_s50/eval_rows_s50.jsonl.gz \
      --eval-ratios $T/eval_ratios.jsonl > $D/class_excess_dev_$4.log
done
gzip -c $T/dev_ratios4.jsonl > $D/dev_ratios.jsonl.gz; gzip -c $T/eval_ratios.jsonl > $D/eval_ratios.jsonl.gz
