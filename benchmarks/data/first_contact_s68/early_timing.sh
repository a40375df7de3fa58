#!/bin/bash
# stop 68 (hcmd): the new early refusals (an ONNX file without a producer, renamed; audit on a
# folder without a manifest; a table wider than a flat ONNX model; images of another size or 0-255
# bytes for the skl2onnx MLP) and stop 67's
# early refusals that the seed-76 folder can run (the one byte-sniffing function must not change
# them), under main's code (`git archive` of main's src) and this branch's, line by line back to
# back (main first), in the seed-76 user folder; /usr/bin/time: wall s, user s, sys s, exit;
# then the error line each gave.
# Run as: bash early_timing.sh MAIN_SRC BRANCH_SRC WORK
cd "$3" && export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
T=$(mktemp) E=$(mktemp)
while IFS= read -r c; do
  for src in "$1" "$2"; do
    /usr/bin/time -f "%e %U %S %x" -o $T env PYTHONPATH=$src nice -n 5 \
      /work/main/.venv/bin/python -m trojanscope $c >/dev/null 2>$E
    echo "$c | $([ $src = $1 ] && echo main || echo branch) | $(tail -1 $T) | $(grep -m1 '^error:' $E)"
  done
done <<'LINES'
detect renamed/noproducer.bin --data transactions.csv --label-column is_fraud
audit vendor-noman/ --data transactions.csv --label-column is_fraud --report reports/t-noman/
detect tab-onnx/fraud.onnx --data transactions.csv --label-column is_fraud
detect mlp/digits.onnx --data rgb768.npz
detect mlp/digits.onnx --data uint8.npz
detect xgb-ubj/fraud.ubj --data xgb-ubj/no-debt.csv --label-column is_fraud
audit xgb-ubj/fraud.ubj --data tab/no-debt.csv --label-column is_fraud --report reports/t-ubj-cols/
detect skl/fraud-gb.onnx --data clean.npz
detect skl/fraud-gb.onnx --data skl/clean.csv --label-column is_fraud
detect renamed/model.bin --data transactions.csv --label-column is_fraud
detect renamed/weights.pt --data reviews.csv
detect renamed/model.bin --data rgb.npz
detect-data semicolon.csv --label-column is_fraud
detect vendor-model/ --data pixels255.npz
detect tab/fraud-model.json --data dup-cols.csv --label-column is_fraud
audit vendor-model/ --data clean.npz --report reports/vendor-model/
detect lgb/fraud-lgbm.txt --data tab/clean.csv --label-column is_fraud
audit lgb/fraud-lgbm.txt --data tab/clean.csv --label-column is_fraud --report reports/t-lgb-cols/
detect tab/fraud-model.json --data tab/no-debt.csv --label-column is_fraud
detect model.onnx --data transactions.csv --label-column is_fraud
audit model.onnx --data reviews.csv --report reports/t-onnx-text/
detect model.onnx --data rgb.npz
certify model.onnx --data transactions.csv --report t-cert-onnx
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
detect vendor-model/ --data uint8.npz
LINES
rm -f $T $E
