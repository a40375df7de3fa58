#!/bin/bash
# run each line of $1 as `python -m trojanscope LINE` from /tmp/hrev71/u; log exit, CPU, output
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wt/hrev/src
cd /tmp/hrev71/u
n=0
while IFS= read -r line; do
  n=$((n+1)); log=/tmp/hrev71/o/$(basename $1 .txt)_$n.log
  echo "\$ trojanscope $line" > $log
  /usr/bin/time -o $log.time -f "%e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python -m trojanscope $line >> $log 2>&1
  rc=$?
  echo "[$n] rc=$rc $(cat $log.time) :: $line  (load $(cut -d' ' -f1 /proc/loadavg))" >> /tmp/hrev71/o/summary.txt
done < $1
