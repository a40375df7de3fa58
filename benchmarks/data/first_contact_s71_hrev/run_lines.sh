#!/bin/bash
# run each line of $1 as `python -m trojanscope LINE` from $WORK; log exit, CPU, output in $OUT
# (stop 71's folders by default; stop 72's read-through sets WORK=/tmp/hrev72/u OUT=/tmp/hrev72/o)
WORK=${WORK:-/tmp/hrev71/u} OUT=${OUT:-/tmp/hrev71/o}
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=${SRC:-/work/wt/hrev/src}
cd "$WORK"
n=0
while IFS= read -r line; do
  n=$((n+1)); log=$OUT/$(basename $1 .txt)_$n.log
  echo "\$ trojanscope $line" > $log
  /usr/bin/time -o $log.time -f "%e s wall %U user %S sys" nice -n 5 /work/main/.venv/bin/python -m trojanscope $line >> $log 2>&1
  rc=$?
  echo "[$n] rc=$rc $(cat $log.time) :: $line  (load $(cut -d' ' -f1 /proc/loadavg))" >> $OUT/summary.txt
done < $1
