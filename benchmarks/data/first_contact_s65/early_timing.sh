#!/bin/bash
# stop 65 (hcmd): refusals of wrong-kind data, NaN, a non-zip .npz and a keep_ratio that keeps
# nothing, under main's code (`git archive` of main's src) and this branch's, line by line back
# to back (main first), in the seed-73 user folder; /usr/bin/time: wall s, user s, sys s, exit;
# then the error line each gave.
# Run as: bash early_timing.sh MAIN_SRC BRANCH_SRC WORK
cd "$3" && export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
while IFS= read -r c; do
  for src in "$1" "$2"; do
    /usr/bin/time -f "%e %U %S %x" -o /tmp/hcmd_s65_t.txt env PYTHONPATH=$src nice -n 5 \
      /work/main/.venv/bin/python -m trojanscope $c >/dev/null 2>/tmp/hcmd_s65_e.txt
    echo "$c | $([ $src = $1 ] && echo main || echo branch) | $(tail -1 /tmp/hcmd_s65_t.txt) | $(grep -m1 '^error:' /tmp/hcmd_s65_e.txt)"
  done
done <<'LINES'
detect vendor-model/ --data rgb.npz
audit vendor-model/ --data small.npz --report reports/t-small/
detect vendor-model/ --data transactions.csv --label-column is_fraud
audit vendor-model/ --data reviews.csv --report reports/t-text/
detect vendor-model/ --data nan.npz
attack --dataset nan.npz --arch mlp --out runs/t-nan
mitigate runs/badnets --data rgb.npz --out t-fixed/
certify runs/badnets --data transactions.csv --report t-cert
detect tab/fraud-model.json --data tab/clean.csv
audit lgb/fraud-lgbm.txt --data lgb/clean.csv --report reports/t-lgb/
detect vendor-model/ --data csv.npz
detect lgb/fraud-lgbm.txt --data clean.npz
detect lgb/fraud-lgbm.txt --data lgb/clean.csv --label-column fraud
LINES
