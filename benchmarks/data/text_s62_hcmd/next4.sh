#!/bin/bash
# after lines_rest and lines_late (next3.sh): the runner's tests, then the two long lines
# for 100 s each (their progress lines give the time the line itself expects), cut 17:09
while kill -0 30926 2>/dev/null; do sleep 3; done
echo "$(date -u +%H:%M:%S) next3 done; runner tests" >> /tmp/hcmds62/pauses.txt
cd /work/wthcmd
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PYTHONPATH=src timeout 300 nice -n 5 /work/main/.venv/bin/python -m pytest tests/cli/test_bench_first_contact_lines.py -q -p no:randomly -n 0 --durations=5 > /tmp/hcmds62/pytest3.log 2>&1
echo "$(date -u +%H:%M:%S) runner tests end (rc $?)" >> /tmp/hcmds62/pauses.txt
UNTIL=17:09 TO=100 /tmp/hcmds62/chain.sh lines_late2.txt
