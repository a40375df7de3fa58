# Issue 12, stop 49 (h12b): build fresh zoos 2433 and 2434 (zoo-2413..2430's recipe) and score
# today's default against the candidate, one heavy process (check_project_repair.py runs the
# stages once per model and writes both rows: the projected model before the repair is today's
# default's output, bit for bit; digest.sh checks it). Run from the worktree root:
#   bash benchmarks/data/mitigate_s49b/fresh.sh > /tmp/h12bs49/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
E=5
C="gated:project_repair=$E"
D=/tmp/h12bs49
git log -1 --format='commit %h %cI'
for S in 2433 2434; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_project_repair.py $D/zoo-$S --epochs $E \
    --out $D/fresh-detail-$S.json --rows $D/fresh-$S.json
echo "done $S $(date -u +%T)"
done
$P benchmarks/pool_mitigate_rows.py \
    $D/fresh-2433.json:2433 $D/fresh-2434.json:2434 --out $D/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/fresh-pooled.json \
    --today gated --candidate "$C" --clean-loss 0.01 --fast 60 --strict
echo "all done $(date -u +%T)"
