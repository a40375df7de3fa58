# Issue 12, stop 65 (h12): development, second pass (dev_teachers.py) on what dev_keep.sh kept,
# one process per half (this stop's limit: two). Run from the worktree root:
#   bash benchmarks/data/mitigate_s65/dev_teach.sh > /tmp/h12/s65/teach.out 2>&1
# As run (23:31-23:52 UTC, load 10-16): the second pass started on the 23 models kept by 23:31
# into one file (dev_teachers.py /tmp/h12/s65/dev-t.jsonl /tmp/h12/s65/dev-a /tmp/h12/s65/dev-b,
# one process beside dev_keep.sh's remaining one) and was run again three times as more were
# kept (it skips the models already in its output): 50 rows, each model once.
# Then (files copied here as dev-rows.jsonl, dev-keep-a/b.jsonl, dev-keep.log, dev-rows.log):
#   python3 benchmarks/data/mitigate_s65/dev_table.py benchmarks/data/mitigate_s65/dev-rows.jsonl > benchmarks/data/mitigate_s65/dev-table.txt
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s65
git log -1 --format='commit %h %cI'
nice -n 5 $P $O/dev_teachers.py /tmp/h12/s65/dev-a.jsonl /tmp/h12/s65/dev-a > /tmp/h12/s65/dev-a.log 2>&1 &
nice -n 5 $P $O/dev_teachers.py /tmp/h12/s65/dev-b.jsonl /tmp/h12/s65/dev-b > /tmp/h12/s65/dev-b.log 2>&1 &
wait
echo done $(date -u +%T)
