# Issue 12, stop 65 (h12): development, first pass (dev_keep.py) on every backdoored MLP of zoos
# 2469 and 2470 (stop 64's fresh zoos, now spent, as stop 64 built them: /tmp/h12/s64, read
# only), then 2467 and 2468 (stop 63's, /tmp/h12), then 2465 and 2466 (stop 63's rebuilt
# development zoos). Two processes (this stop's limit). Run from the worktree root:
#   bash benchmarks/data/mitigate_s65/dev_keep.sh > /tmp/h12/s65/keep.out 2>&1
# As run (23:15-23:57 UTC, load 10-16): the second process was stopped at 23:31 after 12 models
# (2470's ten, 2468/badnets-000, 2468/blended-001) so the second pass could start on two
# processes; the other eight of 2468 were kept after the first process ended (the same script,
# one process: dev_keep.py /tmp/h12/s65/dev-b /tmp/h12/zoo-2468/{sig-002,wanet-003,sparse-004,
# badnets-005,blended-006,sig-007,wanet-008,sparse-009}); zoo-2466 was not read.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s65
git log -1 --format='commit %h %cI'
NAMES="badnets-000 blended-001 sig-002 wanet-003 sparse-004 badnets-005 blended-006 sig-007 wanet-008 sparse-009"
A=""; B=""
for N in $NAMES; do A="$A /tmp/h12/s64/zoo-2469/$N"; B="$B /tmp/h12/s64/zoo-2470/$N"; done
for N in $NAMES; do A="$A /tmp/h12/zoo-2467/$N"; B="$B /tmp/h12/zoo-2468/$N"; done
for N in $NAMES; do A="$A /tmp/h12/zoo-2465/$N"; B="$B /tmp/h12/zoo-2466/$N"; done
nice -n 5 $P $O/dev_keep.py /tmp/h12/s65/dev-a $A > /tmp/h12/s65/keep-a.log 2>&1 &
nice -n 5 $P $O/dev_keep.py /tmp/h12/s65/dev-b $B > /tmp/h12/s65/keep-b.log 2>&1 &
wait
echo done $(date -u +%T)
