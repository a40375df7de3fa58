# Issue 12, stop 49 (h12f): build fresh zoos 2435 and 2436 (zoo-2413..2434's recipe) and score
# today's default against the candidate (gated:hand_projected=0.5,projected_undo=1) on them, one
# heavy process. Run from the worktree root:
#   bash benchmarks/data/mitigate_s49f/fresh.sh > /tmp/h12fs49/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
C='gated:hand_projected=0.5,projected_undo=1'
D=/tmp/h12fs49
git log -1 --format='commit %h %cI'
for S in 2435 2436; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/bench_mitigate.py $D/zoo-$S \
    --methods "gated;$C" --out $D/fresh-$S.json
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    $D/fresh-2435.json:2435 $D/fresh-2436.json:2436 --out $D/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
cp $D/fresh-2435.json $D/fresh-2436.json $D/fresh-pooled.json benchmarks/data/mitigate_s49f/
echo "all done $(date -u +%T)"
