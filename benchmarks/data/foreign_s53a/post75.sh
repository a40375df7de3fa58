#!/bin/bash
# post-processing of fresh seed 75 (light; issue 9, stop 53: h9A): score both trees' runs of the
# models both scored, apply plan.md's rule (rule_s53a_check.py), and rerun the stored-run check
# on the branch (condition iv):   bash post75.sh 75
set -e
S=${1:-75}
cd /tmp/h9As53/run
C=/tmp/h9As53/run/C; PY=/work/main/.venv/bin/python; W=/work/wth9A
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
o=out$S; z=zoo-s$S
for t in cand default; do
  PYTHONPATH=$C/src:$C/benchmarks $PY $C/benchmarks/foreign_zoo_detect.py $z --out $o/$t$S.jsonl --score --script-families --per-model --json $o/${t}${S}_score.json > $o/${t}${S}_score.txt
done
PYTHONPATH=$C/src:$C/benchmarks $PY $C/benchmarks/rule_s53a_check.py $z $o/default$S.jsonl $o/cand$S.jsonl --json $o/rule$S.json
PYTHONPATH=$C/src:$C/benchmarks $PY $C/benchmarks/rule_s53a_check.py $z $o/default$S.jsonl $o/cand$S.jsonl --c0 --json $o/rule${S}_C0.json
cd $W && PYTHONPATH=/work/main/src:benchmarks $PY benchmarks/stored_rescore.py --dump /tmp/h9As53/main_dump.json \
  && PYTHONPATH=src:benchmarks $PY benchmarks/stored_rescore.py --dump /tmp/h9As53/cand_dump.json \
     --compare /tmp/h9As53/main_dump.json --json benchmarks/data/foreign_s53a/stored_check.json
