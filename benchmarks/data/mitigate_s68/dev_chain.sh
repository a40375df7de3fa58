cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s68
A=$(cat /tmp/h12/s68/blend-a.pid); B=$(cat /tmp/h12/s68/blend-b.pid)
( while kill -0 $A 2>/dev/null; do sleep 5; done; date -u +%T; nice -n 5 $P $O/dev_gate_read.py /tmp/h12/s68/dev-gate-a.jsonl /tmp/h12/s65/dev-a > /tmp/h12/s68/gate-a.log 2>&1; echo a done $(date -u +%T) ) &
( while kill -0 $B 2>/dev/null; do sleep 5; done; date -u +%T; nice -n 5 $P $O/dev_gate_read.py /tmp/h12/s68/dev-gate-b.jsonl /tmp/h12/s66/dev-c /tmp/h12/s65/dev-b > /tmp/h12/s68/gate-b.log 2>&1; echo b done $(date -u +%T) ) &
wait
