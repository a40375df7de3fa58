# Issue 12, stop 70 (h12; development, spent zoos only): today's default read again on the pooled
# misses of zoos 2470-2478 and on every other blended model of zoos 2470-2479 and 2487
# (benchmarks/mitigate_misses_s70_read.py; the models as listed in select.json: each zoo cut to
# its misses, then its other blended models), two processes. Run from the worktree root:
#   bash benchmarks/data/mitigate_s70/dev.sh > /tmp/h12/s70/dev.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12/s70
SEL=benchmarks/data/mitigate_s70/select.json
cut() {  # ZOO -> $D/dev/ZOO, its misses then its other blended models
  python3 - "$SEL" "$1" <<'PY'
import json, subprocess, sys
s = json.load(open(sys.argv[1]))[sys.argv[2]]
names = s["misses"] + s["blended"]
subprocess.run(["python3", "benchmarks/data/mitigate_s56/cut.py", s["dir"],
                f"/tmp/h12/s70/dev/{sys.argv[2]}", ",".join(names)], check=True)
PY
}
ZA="${ZA:-2470 2471 2472 2473 2474 2476}"
ZB="${ZB:-2475 2477 2478 2479 2487}"
for Z in $ZA $ZB; do cut $Z; done
args() { for Z in "$@"; do echo $D/dev/$Z:$Z; done; }
nice -n 5 $P benchmarks/mitigate_misses_s70_read.py $D/dev-${TAG:-a}.jsonl $(args $ZA) > $D/dev-${TAG:-a}.log 2>&1 &
A=$!
nice -n 5 $P benchmarks/mitigate_misses_s70_read.py $D/dev-${TAG:-b}2.jsonl $(args $ZB) > $D/dev-${TAG:-b}2.log 2>&1 &
B=$!
echo "pids $A $B $(date -u +%T)"
wait $A $B
echo "done $(date -u +%T)"
