# Issue 12, stop 51 (h12a): build fresh zoos 2439 and 2440 (zoo-2437/2438's recipe, stop 50's
# fresh.sh) and score today's default `gated` against the candidate `gated:free_reach=0.15` on
# them, both rows from one run of the stages per model (benchmarks/check_free_reach.py), one
# heavy process. Run from the worktree root:
#   bash benchmarks/data/mitigate_s51a/fresh.sh > /tmp/h12as51/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
C='gated:free_reach=0.15'
D=/tmp/h12as51
git log -1 --format='commit %h %cI'
git status --short
for S in 2439 2440; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_free_reach.py $D/zoo-$S $D/fresh-$S.json 0.15
cp $D/fresh-$S.json benchmarks/data/mitigate_s51a/
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    $D/fresh-2439.json:2439 $D/fresh-2440.json:2440 --out $D/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
cp $D/fresh-pooled.json benchmarks/data/mitigate_s51a/
echo "all done $(date -u +%T)"
