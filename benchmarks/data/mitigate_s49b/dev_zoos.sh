# Issue 12, stop 49 (h12b): today's default and `gated:project_repair=5` on every model of the
# development zoos 2427-2430 (copies in /tmp/h12bs49), one heavy process, after fresh.sh.
#   bash benchmarks/data/mitigate_s49b/dev_zoos.sh > /tmp/h12bs49/dev_zoos.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
D=benchmarks/data/mitigate_s49b
for S in 2427 2428 2429 2430; do
nice -n 5 $P benchmarks/check_project_repair.py /tmp/h12bs49/zoo-$S --epochs 5 \
    --out /tmp/h12bs49/dev-detail-$S.json --rows $D/dev-rows-$S.json | cut -c1-60
done
$P benchmarks/pool_mitigate_rows.py $D/dev-rows-2427.json:2427 $D/dev-rows-2428.json:2428 \
    $D/dev-rows-2429.json:2429 $D/dev-rows-2430.json:2430 --out $D/dev-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/dev-pooled.json \
    --today gated --candidate gated:project_repair=5 --clean-loss 0.01 --fast 60 --strict
echo "all done $(date -u +%T)"
