# Issue 12, stop 54 (h12): read plan.md's rule on the zoos of 2449, 2450 scored whole by the cut
# (passed as arguments, e.g. `2449 2450`): pool their rows and print the ship rule; then today's
# default pooled over every fresh zoo scored with it, 2439-2450 (today-2439-2450.json/.log).
#   bash benchmarks/data/mitigate_s54/rule.sh 2449 2450 > /tmp/h12s54/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s54
A=benchmarks/data/mitigate_s51a; B=benchmarks/data/mitigate_s52; C=benchmarks/data/mitigate_s52r
E=benchmarks/data/mitigate_s53
ARGS=""
for S in "$@"; do ARGS="$ARGS $O/fresh-$S.json:$S"; done
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $O/fresh-pooled.json \
    --today gated --candidate 'gated:reach_round2=1' --clean-loss 0.01 --fast 60 --strict
$P benchmarks/pool_default_rows.py --part $A/fresh-2439.json 2439 'gated:free_reach=0.15' \
    --part $A/fresh-2440.json 2440 'gated:free_reach=0.15' \
    --part $B/fresh-2441.json 2441 gated --part $B/fresh-2442.json 2442 gated \
    $(for S in 2443 2444 2445 2446; do echo --part $C/fresh-$S.json $S gated; done) \
    --part $E/fresh-2447.json 2447 gated --part $E/fresh-2448.json 2448 gated \
    $(for S in "$@"; do echo --part $O/fresh-$S.json $S gated; done) \
    --name gated --out $O/today-2439-2450.json > $O/today-2439-2450.log
cat $O/today-2439-2450.log
