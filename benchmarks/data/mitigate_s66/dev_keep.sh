# Issue 12, stop 66 (h12): development, first pass (dev_keep.py, mixed_last's step spied) on
# every backdoored MLP of zoos 2471 and 2472 (stop 65's fresh zoos, now spent, as stop 65 built
# them: /tmp/h12/s65, read only). One process (the second of this stop's two runs dev_second.py
# on stop 65's kept models). Run from the worktree root:
#   bash benchmarks/data/mitigate_s66/dev_keep.sh > /tmp/h12/s66/keep.out 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s66
git log -1 --format='commit %h %cI'
NAMES="badnets-000 blended-001 sig-002 wanet-003 sparse-004 badnets-005 blended-006 sig-007 wanet-008 sparse-009"
A=""
for N in $NAMES; do A="$A /tmp/h12/s65/zoo-2471/$N /tmp/h12/s65/zoo-2472/$N"; done
nice -n 5 $P $O/dev_keep.py /tmp/h12/s66/dev-c $A > /tmp/h12/s66/keep-c.log 2>&1
echo done $(date -u +%T)
