# Issue 12, stop 67 (h12): development readings (dev_read.py) on stop 65's and stop 66's kept
# models (read only), two processes. Run from the worktree root:
#   bash benchmarks/data/mitigate_s67/dev_read.sh > /tmp/h12/s67/read.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s67
git log -1 --format='commit %h %cI'
nice -n 5 $P $O/dev_read.py /tmp/h12/s67/dev-read-a.jsonl /tmp/h12/s65/dev-a > /tmp/h12/s67/read-a.log 2>&1 &
echo $! > /tmp/h12/s67/read-a.pid
nice -n 5 $P $O/dev_read.py /tmp/h12/s67/dev-read-b.jsonl /tmp/h12/s66/dev-c /tmp/h12/s65/dev-b > /tmp/h12/s67/read-b.log 2>&1 &
echo $! > /tmp/h12/s67/read-b.pid
wait
echo done $(date -u +%T)
