#!/bin/bash
# post-processing of fresh seed 78 (light; issue 9, stop 54: h9B): score both trees' runs, apply
# plan.md's rule (rule_s54b_check.py), and the stored-run check (f) with the candidate's mode:
#   bash post78.sh 78
set -e
S=${1:-78}
R=/tmp/h9Bs54/run; cd $R
C=$R/C; PY=/work/main/.venv/bin/python; W=/work/wth9B
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
o=out$S; z=zoo-s$S
for t in default cand; do
  PYTHONPATH=$C/src:$C/benchmarks $PY $C/benchmarks/foreign_zoo_detect.py $z --out $o/$t$S.jsonl --score --script-families --per-model --json $o/${t}${S}_score.json > $o/${t}${S}_score.txt
done
PYTHONPATH=$C/src:$C/benchmarks $PY $C/benchmarks/rule_s54b_check.py $z $o/default$S.jsonl $o/cand$S.jsonl --json $o/rule$S.json
cd $W && PYTHONPATH=/work/main/src:benchmarks $PY benchmarks/stored_rescore.py --dump /tmp/h9Bs54/main_dump.json \
  && TROJANSCOPE_ACTIVATION_TRAITS=route-u PYTHONPATH=$C/src:benchmarks $PY benchmarks/stored_rescore.py --dump /tmp/h9Bs54/cu_dump.json \
     --compare /tmp/h9Bs54/main_dump.json --json benchmarks/data/foreign_s54b/stored_check.json
