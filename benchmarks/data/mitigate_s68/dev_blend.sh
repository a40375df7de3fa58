# Issue 12, stop 68 (h12): development fits (dev_blend.py) on stop 65's and stop 66's kept
# models (read only), two processes. Run from the worktree root:
#   bash benchmarks/data/mitigate_s68/dev_blend.sh > /tmp/h12/s68/blend.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s68
git log -1 --format='commit %h %cI'
date -u +%T
nice -n 5 $P $O/dev_blend.py /tmp/h12/s68/dev-blend-a.jsonl /tmp/h12/s65/dev-a > /tmp/h12/s68/blend-a.log 2>&1 &
echo $! > /tmp/h12/s68/blend-a.pid
nice -n 5 $P $O/dev_blend.py /tmp/h12/s68/dev-blend-b.jsonl /tmp/h12/s66/dev-c /tmp/h12/s65/dev-b > /tmp/h12/s68/blend-b.log 2>&1 &
echo $! > /tmp/h12/s68/blend-b.pid
wait
echo done $(date -u +%T)
