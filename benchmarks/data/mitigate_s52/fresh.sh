# Issue 12, stop 52 (h12): build fresh zoos 2441 and 2442 (zoo-2439/2440's recipe, stop 51's
# fresh.sh) and score today's default `gated` against the candidate `gated:project_repair=20`
# on them, both rows from one run of the stages per model (benchmarks/check_project_repair.py:
# a copy of the projected model taken just before the repair, with today's free_reach step
# applied to it, is today's output), one heavy process. Run from the worktree root:
#   bash benchmarks/data/mitigate_s52/fresh.sh > /tmp/h12s52/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
C='gated:project_repair=20'
D=/tmp/h12s52
O=benchmarks/data/mitigate_s52
git log -1 --format='commit %h %cI'
git status --short
for S in 2441 2442; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_project_repair.py $D/zoo-$S --epochs 20 \
    --out $D/fresh-detail-$S.json --rows $D/fresh-$S.json
cp $D/fresh-$S.json $D/fresh-detail-$S.json $O/
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    $D/fresh-2441.json:2441 $D/fresh-2442.json:2442 --out $D/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
cp $D/fresh-pooled.json $O/
echo "all done $(date -u +%T)"
