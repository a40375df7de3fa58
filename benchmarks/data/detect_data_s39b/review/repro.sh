#!/bin/bash
# The stop-39 review's findings 1 and 7 on this checkout, in a work folder of its own
# (repro.sh [WORK]; WORK new or empty, default mktemp -d; nothing outside it is written):
# `audit --training-data tiny.npz` (4 per class) must stop before the first step, write no
# report and no history row, exit 2; `detect-data train200.npz` (200 images) must carry the
# small-set note. Run from anywhere.
set -eu
H=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$H/../../../.." && pwd)
W=${1:-$(mktemp -d /tmp/review_s39.XXXXXX)}
mkdir -p "$W"; W=$(cd "$W" && pwd)
[ -z "$(ls -A "$W")" ] || { echo "repro.sh: $W is not empty" >&2; exit 2; }
cd "$W"
PY=${VENV:-/work/main/.venv}/bin/python
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 TROJANSCOPE_DB=$W/history.sqlite
TS="nice -n 5 $PY -m trojanscope"
$PY "$H/make_review_sets.py" "$W"
$TS train --dataset train200.npz --arch mlp --out runs/m200 > train.log 2>&1
s=$(date +%s.%N)
$TS audit runs/m200 --data train200.npz --training-data tiny.npz --report rep > audit.out 2> audit.err && rc=0 || rc=$?
echo "audit rc=$rc in $(echo "$(date +%s.%N) - $s" | bc) s; stderr:"; cat audit.err
echo "report folder written: $([ -e rep ] && echo yes || echo no)"
$PY -c "import sqlite3,os; p='$TROJANSCOPE_DB'; print('history rows:', sqlite3.connect(p).execute('select count(*) from audits').fetchone()[0] if os.path.exists(p) else 0)" 2>&1 || echo "history rows: 0 (no table)"
$TS detect-data train200.npz --format json > dd.json 2> dd.err && rc=0 || rc=$?
echo "detect-data rc=$rc"
$PY -c "import json; d=json.load(open('dd.json')); print('poisoned', d['poisoned'], 'flagged', d['n_flagged'], 'targets', d['target_classes']); print('notes', d['notes'])"
grep "note:" dd.err || true
