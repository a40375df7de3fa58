# Issue 12, stop 49 (h12a): build fresh zoos 2431 and 2432 (the recipe of zoos 2413-2430) and
# score today's default against the candidate on them, one heavy process. Run from the
# worktree root:
#   bash benchmarks/data/mitigate_s49a/fresh.sh > /tmp/h12as49/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
C='gated:guard_trips=6'
D=/tmp/h12as49
git log -1 --format='commit %h %cI'
for S in 2431 2432; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/bench_mitigate.py $D/zoo-$S \
    --methods "gated;$C" --out $D/fresh-$S.json
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    $D/fresh-2431.json:2431 $D/fresh-2432.json:2432 --out $D/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
echo "all done $(date -u +%T)"
