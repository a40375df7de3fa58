#!/bin/bash
# Stop 73's read-through (hrev): the lines run on benchmarks/review_s73_hrev.py's seed-117 files
# (WORK/user), each through t.sh (COLUMNS=80, one thread), at load 11-13. Outputs: LABEL.out.
# The compressed pipeline and the three bad pickles (g1-g4) were written by hand, as said in
# docs/benchmarks.md (stop 73: hrev).
T=$(dirname "$0")/t.sh
$T a1 detect model.pt --data clean.npz
$T b1 mitigate runs/badnets --data few0.npz --out fixed/
$T c1 mitigate runs/badnets --data-free --out fixed-clp/
$T b2 mitigate runs/badnets --data clean.npz --out fixed/
$T d1 mitigate runs/badnets --data clean.npz --method gated -p round_stop=2 --out fx1/
$T d2 mitigate runs/badnets --data clean.npz --method gated -p mask_ranked=2 --out fx2/
$T d3 mitigate runs/badnets --data clean.npz --method adaptive -p stop_fall=1.5 --out fx3/
$T d4 mitigate runs/badnets --data clean.npz --method gated -p round_stop=abc --out fx4/
$T e1 audit-registry models/ --data-free --report reports/ --db history.sqlite
$T e2 audit-registry models/ --data clean.npz --report reports/ --db history.sqlite --resume
$T f1 detect pipe/fraud-pipeline.joblib --data pipe/clean.csv
$T f2 detect-data pipe/clean.csv --model pipe/fraud-pipeline.joblib --label-column is_fraud
$T g1 detect pipe/fraud-pipeline-z.joblib --data pipe/clean.csv
$T g2 detect evil.pkl --data clean.npz
$T g3 detect cut.pkl --data clean.npz
$T g4 detect dir.pkl --data clean.npz
$T h1 detect downloaded-hf-model --data clean.csv
