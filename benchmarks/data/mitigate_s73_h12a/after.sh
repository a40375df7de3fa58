# stop 73 h12a, after the decision (2499/2500 now spent): where the fresh BadNets accuracy misses lose it, today's default
cd /work/wt/h12a
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
S=$1
/usr/bin/time -f "after $S: %e s wall %U user" nice -n 5 $P benchmarks/mitigate_acc_s72_read.py /tmp/h12a73/after-$S.jsonl /tmp/h12a73/zoo-$S:$S --only badnets-002,badnets-009,badnets-007
