# Issue 12, stop 54 (h12): build fresh zoos 2449 and 2450 in that order (zoo-2441..2448's recipe,
# mitigate_s53/fresh.sh) and score today's default `gated` against the candidate
# `gated:reach_round2=1` on each, both rows from one run of the stages per model
# (benchmarks/check_reach_round2.py), one heavy process. Each zoo's rows are copied here as soon
# as it is scored, with its finish time in the log (plan.md's cut).
# Run from the worktree root:
#   bash benchmarks/data/mitigate_s54/fresh.sh > /tmp/h12s54/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s54
O=benchmarks/data/mitigate_s54
git log -1 --format='commit %h %cI'
git status --short
for S in 2449 2450; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_reach_round2.py $D/zoo-$S $D/fresh-$S.json
cp $D/fresh-$S.json $O/
echo "done $S $(date -u +%T)"
done
echo "all done $(date -u +%T)"
