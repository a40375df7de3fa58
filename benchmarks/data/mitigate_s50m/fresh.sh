# Issue 12, stop 50 (h12m): build fresh zoos 2437 and 2438 (zoo-2431..2436's recipe) and score
# today's default `gated` against the candidate `gated:bias_refit=1` on them, both rows from one
# run of the stages per model (benchmarks/check_bias_refit.py), one heavy process. Run from the
# worktree root:
#   bash benchmarks/data/mitigate_s50m/fresh.sh > /tmp/h12ms50/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
C='gated:bias_refit=1'
D=/tmp/h12ms50
git log -1 --format='commit %h %cI'
git status --short
for S in 2437 2438; do
echo "build $S $(date -u +%T)"
nice -n 10 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 10 $P benchmarks/check_bias_refit.py $D/zoo-$S $D/fresh-$S.json
cp $D/fresh-$S.json benchmarks/data/mitigate_s50m/
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    $D/fresh-2437.json:2437 $D/fresh-2438.json:2438 --out $D/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
cp $D/fresh-pooled.json benchmarks/data/mitigate_s50m/
echo "all done $(date -u +%T)"
