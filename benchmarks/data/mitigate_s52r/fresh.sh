# Issue 12, stop 52 (h12r): build fresh zoos 2443, 2444, 2445, 2446 in that order (zoo-2441/2442's
# recipe, mitigate_s52/fresh.sh) and score today's default `gated` against the candidate
# `gated:project_repair=20` on each, both rows from one run of the stages per model
# (benchmarks/check_project_repair.py --epochs 20), one heavy process. Each zoo's rows are copied
# here as soon as it is scored, with its finish time in the log (the 10:05 UTC cut of plan.md).
# Run from the worktree root:
#   bash benchmarks/data/mitigate_s52r/fresh.sh > /tmp/h12rs52/fresh.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12rs52
O=benchmarks/data/mitigate_s52r
git log -1 --format='commit %h %cI'
git status --short
for S in 2443 2444 2445 2446; do
echo "build $S $(date -u +%T)"
nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out $D/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_project_repair.py $D/zoo-$S --epochs 20 \
    --out $D/fresh-detail-$S.json --rows $D/fresh-$S.json
cp $D/fresh-$S.json $D/fresh-detail-$S.json $O/
echo "done $S $(date -u +%T)"
done
echo "all done $(date -u +%T)"
