#!/bin/bash
# Stop 77 read-through (hrev): the lines stop 77's changed user pages show (docs/tabular.md,
# detect-data.md, detection.md, audit.md, extending.md, mitigation.md), run as a new user on a
# copy of hcmd's seed-239 files (spent). Usage:
#   bash user_lines.sh SRC USER WORK [only]
# SRC: the trojanscope src tree to run (this branch's or main's); USER: a copy of
# /tmp/hcmd77/user (read only: runs go under WORK); only: "suspect99" runs that line alone.
# Each line prints its command, exit code, CPU seconds (user) and its last lines.
set -u
SRC=$1; USER_DIR=$2; WORK=$3; ONLY=${4:-}
PY=/work/main/.venv/bin/python
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=$SRC
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
mkdir -p "$WORK/runs"
cd "$USER_DIR" || exit 2
line() {  # line TAIL ARGS...: one CLI line
  local tail=$1; shift
  echo "=== trojanscope $*"
  /usr/bin/time -o "$WORK/t" -f "%U" $PY -m trojanscope "$@" > "$WORK/o" 2>&1
  local rc=$?
  echo "exit $rc, $(tail -n 1 "$WORK/t") CPU s (user)"
  # the verdict, notes, errors and any traceback whole, then the last TAIL lines
  grep -E "^(note:|error:|Traceback|BACKDOORED|CLEAN|PASS|FAIL|suspected|against)" "$WORK/o"
  echo "--- last $tail line(s):"
  tail -n "$tail" "$WORK/o"
  echo
}
R=$WORK/runs
FRAUD=(--dataset fraud.csv --label-column is_fraud --arch lightgbm)
if [ "$ONLY" = suspect99 ]; then
  line 2 mitigate runs/my-data --data clean.npz --method-param suspect=99 --out "$R/fixed-99"
  exit 0
fi
# docs/tabular.md: the copies mode (hatk)
line 6 attack "${FRAUD[@]}" --attack tabular-badnets --attack-param copies=10 --out "$R/copies"
line 4 detect-data "$R/copies"
line 3 attack "${FRAUD[@]}" --attack tabular-badnets --attack-param copies=10 --poison-rate 0.2 --out "$R/rate"
line 3 attack "${FRAUD[@]}" --attack tabular-conjunction --attack-param copies=10 --out "$R/conj"
line 3 attack "${FRAUD[@]}" --attack tabular-subpopulation --attack-param copies=10 --out "$R/subpop"
for p in copies=-1 pair_copies=101 copies=1.5 copie=10; do
  line 1 attack "${FRAUD[@]}" --attack tabular-badnets --attack-param $p --out "$R/x"
done
line 1 attack "${FRAUD[@]}" --attack tabular-clean-label --attack-param copies=10 --out "$R/x"
# the floor's replay (hatk's fe4e4934: detect-data RUN refused a floored run)
line 2 attack "${FRAUD[@]}" --attack tabular-badnets --attack-param min_poison_rows=10 --out "$R/floor"
line 2 detect-data "$R/floor"
# docs/detect-data.md, tabular.md: label-groups verdict=7 (h16d)
line 6 detect-data fraud.csv --label-column is_fraud -m label-groups -p verdict=7
line 1 detect-data fraud.csv --label-column is_fraud -m label-groups -p verdict=8
# docs/tabular.md: the opt-in X77 calibration with box_wide=80 (h16)
line 4 detect "$R/copies" --data fraud.csv -m tabular-search -p box_wide=80 \
  --calibration "$REPO/benchmarks/data/tabular_s77_h16/calibration_x77.json"
# docs/audit.md: the Steps table names the lowerings (hcmd)
line 3 audit torch-clean.onnx --data-free --report "$R/audit-tc"
echo "=== the report's Steps note"; grep -o "auto, data-free[^|<]*" "$R/audit-tc/audit.md"; echo
# docs/mitigation.md: the wrong-class note and suspect=C (hwc); aug_mean's refusal (hcmd)
line 8 mitigate runs/my-data --data clean.npz --out "$R/fixed"
line 8 mitigate runs/my-data --data clean.npz --method-param suspect=0 --out "$R/fixed-s0"
line 2 mitigate runs/my-data --data clean.npz --method-param suspect=99 --out "$R/fixed-99"
line 2 mitigate fixed --data clean.npz --method gated -p aug_last=0 -p aug_mean=3 --out "$R/x"
# hcmd's knn-filter refusal
line 1 attack "${FRAUD[@]}" --attack tabular-badnets --defence knn-filter --defence-param k=-5 --out "$R/x"
# docs/detection.md's Python example, on the user's model folder and its 200 clean images
echo "=== docs/detection.md's API example (load_model(\"fixed\"), load_dataset(\"clean.npz\", \"all\"))"
/usr/bin/time -o "$WORK/t" -f "%U" $PY - > "$WORK/o" 2>&1 <<'PYEOF'
from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.detect.calibration import calibrate_model
from trojanscope.io.models import load_model

model = load_model("fixed")
detector = registry.create("detector", "auto")
verdict = detector.inspect(
    model.module, load_dataset("clean.npz", "all"), input_shape=model.input_shape, seed=0)
print(calibrate_model(verdict, None, model.module, detector))  # None: the shipped file
print(verdict.verdict, verdict.probability, verdict.target_classes[:1])
PYEOF
echo "exit $?, $(tail -n 1 "$WORK/t") CPU s (user)"; tail -n 2 "$WORK/o"
