#!/bin/bash
# stop 68 (issue 15, h15): the audit's rating on one fresh MiniLM folder (addsent-3212, target 1)
# as a user runs it, after the queue (one heavy process), its output and CPU kept.
#   bash audit.sh
cd /work/wt/h15 || exit 1
O=benchmarks/data/text_s68_h15; A=/tmp/h15s68/audit; mkdir -p $A
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src TROJANSCOPE_DB=$A/history.sqlite
/usr/bin/time -f "cpu audit-addsent-3212 wall_s %e user_s %U sys_s %S" -o $A/time.txt nice -n 5 \
  /work/main/.venv/bin/python -m trojanscope audit /tmp/h15s68/minilm/addsent-3212 \
  --data /tmp/h15s68/minilm/rt-polarity-2500.csv --report $A/report > $A/out.txt 2>&1
echo "rc $?" >> $A/time.txt
cat $A/out.txt $A/time.txt > $O/audit_3212.txt
