#!/bin/bash
# after the sets: the whole command (repeated once if the load at its start is above 3), then the user commands
cd /work/wt13b
while ! grep -q "^rc=" /tmp/h13bs39/main.log; do sleep 10; done
P="env OMP_NUM_THREADS=1 PYTHONPATH=src:/tmp/h13bs39/pkgs nice -n 5 /work/main/.venv/bin/python"
S=benchmarks/data/detect_data_s39b
echo "cli1 start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
$P benchmarks/bench_detect_data.py --seed-base 54200 --methods auto --sets none --cli-time --cli-set 2 \
  --json $S/cli1.json > $S/cli1.log 2>&1; echo "cli1 rc=$? end $(date -u +%T)"
tail -1 $S/cli1.log
if /work/main/.venv/bin/python -c "import json,sys; sys.exit(0 if json.load(open('$S/cli1.json'))['cli']['load_start'] > 3 else 1)"; then
  echo "cli2 start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  $P benchmarks/bench_detect_data.py --seed-base 54200 --methods auto --sets none --cli-time --cli-set 2 \
    --json $S/cli2.json > $S/cli2.log 2>&1; echo "cli2 rc=$? end $(date -u +%T)"
  tail -1 $S/cli2.log
fi
echo "user start $(date -u +%T)"
/tmp/h13bs39/user/run_user.sh > /tmp/h13bs39/user/user.log 2>&1; echo "user rc=$? end $(date -u +%T)"
