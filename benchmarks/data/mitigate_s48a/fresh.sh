# Issue 12, stop 48 (h12a): build fresh zoos 2427 and 2428 (the recipe of zoos 2413-2426) and
# score today's default against the candidate on them; run from the worktree's root.
# check_dense_repair.py runs `gated`'s stages once per model and writes both rows (today's, and
# the repaired copy's as gated:dense_repair=E) in bench_mitigate.py's format (--rows).
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
E=2
C="gated:dense_repair=$E"
D=/tmp/h12as48
git log -1 --format='commit %h'
for S in 2427 2428; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_dense_repair.py $D/zoo-$S --epochs $E \
    --out $D/fresh-detail-$S.json --rows $D/fresh-$S.json
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    $D/fresh-2427.json:2427 $D/fresh-2428.json:2428 --out $D/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
echo "all done $(date -u +%T)"
