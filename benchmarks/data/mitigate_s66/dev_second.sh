# Issue 12, stop 66 (h12): development, second pass (dev_second.py) on stop 65's kept models
# (/tmp/h12/s65/dev-a, dev-b: every backdoored MLP of zoos 2465, 2467-2470; read only), then on
# this stop's (dev_keep.sh: zoos 2471/2472, /tmp/h12/s66/dev-c) once they are kept. One process
# (dev_keep.sh is the other). Run from the worktree root:
#   bash benchmarks/data/mitigate_s66/dev_second.sh > /tmp/h12/s66/second.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s66
git log -1 --format='commit %h %cI'
nice -n 5 $P $O/dev_second.py /tmp/h12/s66/dev-rows.jsonl /tmp/h12/s65/dev-a /tmp/h12/s65/dev-b ${MORE:-} > /tmp/h12/s66/second.log 2>&1
echo done $(date -u +%T)
