#!/bin/bash
# after the sets: the whole command (repeated once if the load at its start is above 3), then the user commands.
# Run from anywhere (it works in this checkout's root). MAIN_LOG (optional): main.sh's log, waited
# for until it holds an "rc=" line (stop 39: /tmp/h13bs39/main.log); ART_PKGS as in main.sh;
# USER_WORK: run_user.sh's work folder (new or empty; default a fresh mktemp -d).
set -u
cd "$(dirname "$0")/../../.." || exit 2
if [ -n "${MAIN_LOG:-}" ]; then
  while ! grep -q "^rc=" "$MAIN_LOG"; do sleep 10; done
fi
PY=${VENV:-/work/main/.venv}/bin/python
P="env OMP_NUM_THREADS=1 PYTHONPATH=src:${ART_PKGS:?set ART_PKGS to the folder ART 1.20.1 was installed in} nice -n 5 $PY"
S=benchmarks/data/detect_data_s39b
echo "cli1 start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
$P benchmarks/bench_detect_data.py --seed-base 54200 --methods auto --sets none --cli-time --cli-set 2 \
  --json $S/cli1.json > $S/cli1.log 2>&1; echo "cli1 rc=$? end $(date -u +%T)"
tail -1 $S/cli1.log
if $PY -c "import json,sys; sys.exit(0 if json.load(open('$S/cli1.json'))['cli']['load_start'] > 3 else 1)"; then
  echo "cli2 start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
  $P benchmarks/bench_detect_data.py --seed-base 54200 --methods auto --sets none --cli-time --cli-set 2 \
    --json $S/cli2.json > $S/cli2.log 2>&1; echo "cli2 rc=$? end $(date -u +%T)"
  tail -1 $S/cli2.log
fi
echo "user start $(date -u +%T)"
W=${USER_WORK:-$(mktemp -d /tmp/run_user.XXXXXX)}
$S/user/run_user.sh "$W" > "$W.log" 2>&1; echo "user rc=$? end $(date -u +%T) (log $W.log, files in $W)"
