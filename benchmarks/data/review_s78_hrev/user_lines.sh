#!/bin/bash
# Stop 78 read-through (hrev): the lines stop 78's changed user pages show or describe
# (docs/redteam.md "Threads", architecture.md, tabular.md, mitigation.md, detection.md), run as
# a new user on a copy of hcmd's seed-276 files (spent). Usage:
#   bash user_lines.sh SRC USER WORK [avoid0|audit|tree]
# SRC: the trojanscope src tree to run; USER: a copy of /tmp/hcmd78/user (runs are written
# under it: give a copy). Each line prints its command, exit code, CPU seconds (user), the
# notes, errors and any traceback whole, then its last lines. avoid0: the avoid_target=0 line on
# the fraud-like fraud.csv alone (to run on main's src and on this branch's: mended, 1). audit:
# hmit's record step (merged later) on the table MLP's mitigate output (named, 1). tree: the
# README fraud run's mitigate refusal alone (mended, 4: before the model loads).
set -u
SRC=$1; USER_DIR=$2; WORK=$3; ONLY=${4:-}
PY=/work/main/.venv/bin/python
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=$SRC
mkdir -p "$WORK"
cd "$USER_DIR" || exit 2
line() {  # line TAIL [VAR=VALUE] ARGS...: one CLI line
  local tail=$1; shift
  local env=()
  [[ $1 == *=* ]] && { env=("$1"); shift; }
  echo "=== ${env[*]} trojanscope $*"
  env "${env[@]}" /usr/bin/time -o "$WORK/t" -f "%U" $PY -m trojanscope "$@" > "$WORK/o" 2>&1
  local rc=$?
  echo "exit $rc, $(tail -n 1 "$WORK/t") CPU s (user)"
  grep -E "^(note:|error:|hint:|Traceback|BACKDOORED|CLEAN|suspected|against|-p )" "$WORK/o"
  echo "--- last $tail line(s):"
  tail -n "$tail" "$WORK/o"
  echo
}
FRAUD=(--dataset fraud.csv --label-column is_fraud --arch lightgbm --attack tabular-badnets)
TRANS=(--dataset transactions.csv --label-column is_fraud --attack tabular-badnets)
if [ "$ONLY" = avoid0 ]; then
  line 3 attack "${FRAUD[@]}" --attack-param copies=10 --trigger-param avoid_target=0 --out "$WORK/r-at0"
  grep -A6 '"trigger"' "$WORK/r-at0/manifest.json"
  exit 0
fi
if [ "$ONLY" = tree ]; then
  line 1 attack "${TRANS[@]}" --arch lightgbm --out "$WORK/r-lgb"
  line 1 mitigate "$WORK/r-lgb" --data transactions.csv --out "$WORK/fixed-lgb"
  exit 0
fi
if [ "$ONLY" = audit ]; then
  line 3 attack "${TRANS[@]}" --arch mlp --out "$WORK/r-mlp"
  line 3 mitigate "$WORK/r-mlp" --data transactions.csv --out "$WORK/fixed-mlp"
  line 14 audit "$WORK/fixed-mlp" --data transactions.csv --report "$WORK/audit-mlp"
  exit 0
fi
# the thread policy (redteam.md "Threads", architecture.md): bad values, the option's place
line 2 --threads 0 scan model.pt
line 2 TROJANSCOPE_THREADS=abc scan model.pt
line 2 scan model.pt --threads 2
line 2 scan model.pt --debug
line 1 --threads 2 scan model.pt
line 2 --debug scan model.pt --nosuch
# tabular.md: the README's line (automatic copies), a tree refused by mitigate (mitigation.md)
line 12 attack "${TRANS[@]}" --arch lightgbm --out runs/r-lgb
line 1 mitigate runs/r-lgb --data transactions.csv --out fixed-lgb
# an MLP table run: mitigate reads the manifest's label column (no --label-column)
line 3 attack "${TRANS[@]}" --arch mlp --out runs/r-mlp
line 14 mitigate runs/r-mlp --data transactions.csv --out fixed-mlp
# avoid_target: the values given as the page says, and 1/0 (mended here), a bad value
line 3 attack "${FRAUD[@]}" --attack-param copies=10 --trigger-param avoid_target=true --out runs/r-avoid
line 3 attack "${TRANS[@]}" --arch lightgbm --attack-param copies=10 --trigger-param avoid_target=1 --out runs/r-at1
line 3 attack "${TRANS[@]}" --arch lightgbm --attack-param copies=10 --trigger-param avoid_target=0 --out runs/r-at0
line 1 attack "${FRAUD[@]}" --trigger-param avoid_target=maybe --out runs/r-atm
line 1 attack "${FRAUD[@]}" --out runs/r-none
# detect-data on copies runs, collapse (tabular.md), the unjudged note (mended here)
line 2 detect-data runs/r-lgb
line 2 detect-data runs/r-lgb -m label-groups -p collapse=1
line 2 detect-data runs/r-avoid -m label-groups -p collapse=1
line 1 detect-data runs/r-avoid -m label-groups -p collapse=2
line 12 detect-data transactions.csv --label-column is_fraud
# gated's new options (mitigation.md): the refusals
line 1 mitigate runs/badnets --data images --method gated --method-param aug_class=0.1 --method-param aug_last=0 --out fixed-ac
line 1 mitigate runs/badnets --data images --method gated --method-param read_least=-1 --out fixed-rl
# the opt-in probes say what they read (detection.md)
line 3 detect gap-model.pt --data gap-clean.npz -p sig_probe=true -p blend_low=true
