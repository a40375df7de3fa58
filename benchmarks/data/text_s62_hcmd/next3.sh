#!/bin/bash
# after lines_minilm's runner: the fixed test again (one process), then lines_rest and lines_late to 17:07
while kill -0 30715 2>/dev/null; do sleep 3; done
echo "$(date -u +%H:%M:%S) end lines_minilm; test rerun" >> /tmp/hcmds62/pauses.txt
cd /work/wthcmd
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PYTHONPATH=src timeout 600 nice -n 5 /work/main/.venv/bin/python -m pytest "tests/text/test_text_detect.py::test_a_users_text_column_is_read_by_detect_and_audit" -q -p no:randomly -n 0 --durations=5 > /tmp/hcmds62/pytest2.log 2>&1
echo "$(date -u +%H:%M:%S) test end (rc $?)" >> /tmp/hcmds62/pauses.txt
UNTIL=17:07 TO=1200 /tmp/hcmds62/chain.sh lines_rest.txt lines_late.txt
