# Issue 12, stop 66 (h12): development, third pass (dev_suspect.py) on stop 65's kept models
# (/tmp/h12/s65/dev-a, dev-b; read only), then this stop's (/tmp/h12/s66/dev-c). One process.
# Run from the worktree root:
#   bash benchmarks/data/mitigate_s66/dev_suspect.sh > /tmp/h12/s66/suspect.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s66
git log -1 --format='commit %h %cI'
nice -n 5 $P $O/dev_suspect.py /tmp/h12/s66/dev-suspect.jsonl ${DIRS:-/tmp/h12/s65/dev-a /tmp/h12/s65/dev-b /tmp/h12/s66/dev-c} > /tmp/h12/s66/suspect.log 2>&1
echo done $(date -u +%T)
