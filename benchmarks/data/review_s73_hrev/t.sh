#!/bin/bash
# t.sh LABEL CMD... : run a trojanscope line in ${WORK:-/tmp/hrev73}/user, keep its output and rc
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wt/hrev/src COLUMNS=${COLUMNS:-80}
label=$1; shift
cd ${WORK:-/tmp/hrev73}/user
/usr/bin/time -f "%e s wall %U user" -o ${WORK:-/tmp/hrev73}/$label.time /work/main/.venv/bin/python -m trojanscope "$@" > ${WORK:-/tmp/hrev73}/$label.out 2>&1
echo "rc=$?" >> ${WORK:-/tmp/hrev73}/$label.out
cat ${WORK:-/tmp/hrev73}/$label.time >> ${WORK:-/tmp/hrev73}/$label.out
