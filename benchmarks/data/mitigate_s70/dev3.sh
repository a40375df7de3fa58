# Issue 12, stop 70 (h12; development, spent zoos only), third pass after the fresh run: the
# misses dev2.sh had not reached (2473 and 2474, process A; 2476, process B), then the blended
# models of 2476 and 2478-2487 it had not reached (the output readings for blend_stop, read after
# the fresh rows). Rows already written are skipped. Run from the worktree root:
#   bash benchmarks/data/mitigate_s70/dev3.sh > /tmp/h12/s70/dev3.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12/s70
SEL=benchmarks/data/mitigate_s70/select.json
cut() {  # ZOO WHICH -> $D/dev3/ZOO-WHICH: its misses, or its blended models
  python3 - "$SEL" "$1" "$2" <<'PY'
import json, subprocess, sys
s = json.load(open(sys.argv[1]))[sys.argv[2]]
names = s["misses"] if sys.argv[3] == "misses" else s["blended"]
subprocess.run(["python3", "benchmarks/data/mitigate_s56/cut.py", s["dir"],
                f"/tmp/h12/s70/dev3/{sys.argv[2]}-{sys.argv[3]}", ",".join(names)], check=True)
PY
}
for Z in 2473 2474 2476 2478; do cut $Z misses; done
for Z in 2476 2478 2479 2487; do cut $Z blended; done
nice -n 5 $P benchmarks/mitigate_misses_s70_read.py $D/dev-a.jsonl $D/dev3/2473-misses:2473 \
    $D/dev3/2474-misses:2474 $D/dev3/2476-blended:2476 $D/dev3/2487-blended:2487 \
    >> $D/dev-a.log 2>&1 &
A=$!
nice -n 5 $P benchmarks/mitigate_misses_s70_read.py $D/dev-b2.jsonl $D/dev3/2476-misses:2476 \
    $D/dev3/2478-blended:2478 $D/dev3/2478-misses:2478 $D/dev3/2479-blended:2479 \
    >> $D/dev-b2.log 2>&1 &
B=$!
echo "pids $A $B $(date -u +%T)"
wait $A $B
echo "done $(date -u +%T)"
