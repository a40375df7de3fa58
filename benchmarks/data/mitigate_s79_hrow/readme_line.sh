#!/bin/bash
# The README/docs/mitigation.md line on seed 276's user files (spent), with this branch's src.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wt/hrow/src
PY=/work/main/.venv/bin/python
cd /tmp/hrow79/u
/usr/bin/time -f "%e s wall %U user" $PY -m trojanscope mitigate badnets --data clean.npz --out fixed > mitigate.out 2>&1; echo "mitigate exit $?" >> mitigate.out
/usr/bin/time -f "%e s wall %U user" $PY -m trojanscope audit fixed --data clean.npz --no-history > audit.out 2>&1; echo "audit exit $?" >> audit.out
