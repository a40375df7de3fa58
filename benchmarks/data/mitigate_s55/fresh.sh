# Issue 12, stop 55 (h12): build fresh zoos 2451 and 2452 in that order (zoo-2441..2450's recipe,
# mitigate_s54/fresh.sh) and score today's default `gated` against the candidate
# `gated:first_read=0.03` on each, both rows from one run of the stages per model
# (benchmarks/check_first_read.py), one heavy process. Each zoo's rows are copied here as soon
# as it is scored, with its finish time in the log (plan.md's cut).
# Run from the worktree root:
#   bash benchmarks/data/mitigate_s55/fresh.sh > /tmp/h12s55/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s55
O=benchmarks/data/mitigate_s55
git log -1 --format='commit %h %cI'
git status --short
for S in 2451 2452; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_first_read.py $D/zoo-$S $D/fresh-$S.json 0.03
cp $D/fresh-$S.json $O/
echo "done $S $(date -u +%T)"
done
echo "all done $(date -u +%T)"
