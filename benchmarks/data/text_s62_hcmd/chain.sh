#!/bin/bash
# hcmd stop 62: the lines, one at a time (one heavy process), cut before 17:10 UTC
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 TROJANSCOPE_DB=/tmp/hcmds62/work/history.sqlite
cd /work/wthcmd
PY=/work/main/.venv/bin/python
for part in "$@"; do
  name=$(basename $part .txt)
  date -u +"%H:%M:%S start $name" >> /tmp/hcmds62/pauses.txt
  PYTHONPATH=src:benchmarks $PY benchmarks/issue15_check_s62.py /tmp/hcmds62/work --lines /tmp/hcmds62/$part --timeout ${TO:-1200} --until ${UNTIL:-17:08} --keep /tmp/hcmds62/keep_$name >> /tmp/hcmds62/$name.jsonl 2>> /tmp/hcmds62/$name.err
  date -u +"%H:%M:%S end $name" >> /tmp/hcmds62/pauses.txt
done
