# Issue 12, stop 47 (h12a): build fresh zoos 2423 and 2424 (the recipe of zoos 2413-2422) and
# score today's default against the candidate on them; run from the worktree's root.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
C='gated:dense_candidates=0'
git log -1 --format='commit %h'
for S in 2423 2424; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out /tmp/h12as47/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/bench_mitigate.py /tmp/h12as47/zoo-$S \
    --methods "gated;$C" --out /tmp/h12as47/fresh-$S.json
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    /tmp/h12as47/fresh-2423.json:2423 /tmp/h12as47/fresh-2424.json:2424 --out /tmp/h12as47/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py /tmp/h12as47/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
echo "all done $(date -u +%T)"
