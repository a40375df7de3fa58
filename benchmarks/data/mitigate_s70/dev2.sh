# Issue 12, stop 70 (h12; development, spent zoos only), second pass (dev.sh stopped at 12:42
# after 9 models: zoos 2465 and 2467-2472's rows under today's default are stored, stop 67's
# dev-read-rows.jsonl with stop 68's gate, and 2477/2478's in stop 68's fresh rows, so only the
# zoos without stored rows are read again): the misses of 2466 and 2473-2476 and their blended
# models (process A), and the blended models of 2477-2479 and 2487 (process B, the output readings
# for blend_stop's development). Rows already written are skipped. Run from the worktree root:
#   bash benchmarks/data/mitigate_s70/dev2.sh > /tmp/h12/s70/dev2.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12/s70
SEL=benchmarks/data/mitigate_s70/select.json
cut() {  # ZOO WHICH -> $D/dev2/ZOO: its misses and blended models, or (WHICH=blended) blended only
  python3 - "$SEL" "$1" "$2" <<'PY'
import json, subprocess, sys
s = json.load(open(sys.argv[1]))[sys.argv[2]]
names = s["blended"] if sys.argv[3] == "blended" else s["misses"] + s["blended"]
names += [n for n in s["misses"] if sys.argv[3] == "blended" and n.startswith("blended")]
subprocess.run(["python3", "benchmarks/data/mitigate_s56/cut.py", s["dir"],
                f"/tmp/h12/s70/dev2/{sys.argv[2]}", ",".join(names)], check=True)
PY
}
for Z in 2466 2473 2474 2476; do cut $Z all; done
for Z in 2477 2478 2479 2487; do cut $Z blended; done
args() { for Z in "$@"; do echo $D/dev2/$Z:$Z; done; }
nice -n 5 $P benchmarks/mitigate_misses_s70_read.py $D/dev-a.jsonl $(args 2466 2473 2474 2476) >> $D/dev-a.log 2>&1 &
A=$!
nice -n 5 $P benchmarks/mitigate_misses_s70_read.py $D/dev-b2.jsonl $(args 2477 2478 2479 2487) >> $D/dev-b2.log 2>&1 &
B=$!
echo "pids $A $B $(date -u +%T)"
wait $A $B
echo "done $(date -u +%T)"
