# Issue 12, stop 48 (h12b): build fresh zoos 2429 and 2430 (zoo-2413..2426's recipe) and score
# today's default against the candidate, one heavy process (after cache.sh has ended). Run from
# the worktree root:
#   bash benchmarks/data/mitigate_s48b/fresh.sh > /tmp/h12bs48/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
C='gated:margin=1,margin_pull=0.35,margin_held=1'
git log -1 --format='commit %h %cI'
for S in 2429 2430; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out /tmp/h12bs48/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/bench_mitigate.py /tmp/h12bs48/zoo-$S \
    --methods "gated;$C" --out /tmp/h12bs48/fresh-$S.json
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    /tmp/h12bs48/fresh-2429.json:2429 /tmp/h12bs48/fresh-2430.json:2430 --out /tmp/h12bs48/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py /tmp/h12bs48/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
echo "all done $(date -u +%T)"
