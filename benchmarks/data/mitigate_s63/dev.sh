# Issue 12, stop 63 (h12): development rows of dev_fresh.py on the 20 backdoored MLPs of zoos 2465
# and 2466 (spent seeds), rebuilt with the zoo builder into /tmp/h12 by
#   zoo make --dataset mnist --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse \
#       --archs mlp --seed S --out /tmp/h12/zoo-S -x serial        (S = 2465, 2466; side by side)
# Two processes (this stop's limit), one per zoo, stop 62's ASR misses first; run from the
# worktree root (18:11-18:36 UTC): bash benchmarks/data/mitigate_s63/dev.sh > /tmp/h12/dev.out
# Then: python3 benchmarks/data/mitigate_s63/dev_table.py dev-a.jsonl dev-b.jsonl > dev-table.txt
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
Z=/tmp/h12
O=benchmarks/data/mitigate_s63
git log -1 --format='commit %h %cI'
A="$Z/zoo-2465/badnets-005 $Z/zoo-2465/blended-001 $Z/zoo-2465/sparse-004 $Z/zoo-2465/badnets-000 $Z/zoo-2465/sig-002 $Z/zoo-2465/blended-006 $Z/zoo-2465/sig-007 $Z/zoo-2465/sparse-009 $Z/zoo-2465/wanet-003 $Z/zoo-2465/wanet-008"
B="$Z/zoo-2466/wanet-003 $Z/zoo-2466/blended-006 $Z/zoo-2466/sparse-009 $Z/zoo-2466/badnets-000 $Z/zoo-2466/blended-001 $Z/zoo-2466/sparse-004 $Z/zoo-2466/badnets-005 $Z/zoo-2466/sig-002 $Z/zoo-2466/sig-007 $Z/zoo-2466/wanet-008"
nice -n 5 $P $O/dev_fresh.py $Z/dev-a.jsonl $A > $Z/dev-a.log 2>&1 &
nice -n 5 $P $O/dev_fresh.py $Z/dev-b.jsonl $B > $Z/dev-b.log 2>&1 &
wait
echo done $(date -u +%T)
