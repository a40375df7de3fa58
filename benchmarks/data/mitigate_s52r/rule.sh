# Issue 12, stop 52 (h12r): read plan.md's rule on the zoos of 2443..2446 scored whole by the cut
# (passed as arguments, e.g. `2443 2444 2445 2446`): pool their rows and print the ship rule.
#   bash benchmarks/data/mitigate_s52r/rule.sh 2443 2444 2445 2446 > /tmp/h12rs52/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s52r
ARGS=""
for S in "$@"; do ARGS="$ARGS $O/fresh-$S.json:$S"; done
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $O/fresh-pooled.json \
    --today gated --candidate 'gated:project_repair=20' --clean-loss 0.01 --fast 60 --strict
