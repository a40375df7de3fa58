# Issue 12, stop 64 (h12): development rows of dev_accuracy.py on every backdoored MLP of zoos
# 2467 and 2468 (spent seeds), then 2465 and 2466, as stop 63 built them into /tmp/h12 with
#   zoo make --dataset mnist --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse \
#       --archs mlp --seed S --out /tmp/h12/zoo-S -x serial
# Two processes (this stop's limit), one per pair of zoos; run from the worktree root:
#   bash benchmarks/data/mitigate_s64/dev.sh > /tmp/h12/s64/dev.out 2>&1
# Then: python3 benchmarks/data/mitigate_s64/dev_table.py dev-a.jsonl dev-b.jsonl > dev-table.txt
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
Z=/tmp/h12
O=benchmarks/data/mitigate_s64
git log -1 --format='commit %h %cI'
NAMES="badnets-000 blended-001 sig-002 wanet-003 sparse-004 badnets-005 blended-006 sig-007 wanet-008 sparse-009"
A=""; B=""
for S in 2467 2465; do for N in $NAMES; do A="$A $Z/zoo-$S/$N"; done; done
for S in 2468 2466; do for N in $NAMES; do B="$B $Z/zoo-$S/$N"; done; done
nice -n 5 $P $O/dev_accuracy.py $Z/s64/dev-a.jsonl $A > $Z/s64/dev-a.log 2>&1 &
nice -n 5 $P $O/dev_accuracy.py $Z/s64/dev-b.jsonl $B > $Z/s64/dev-b.log 2>&1 &
wait
echo done $(date -u +%T)
