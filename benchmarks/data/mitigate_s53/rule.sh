# Issue 12, stop 53 (h12): read plan.md's rule on the zoos of 2447, 2448 scored whole by the cut
# (passed as arguments, e.g. `2447 2448`): pool their rows and print the ship rule; then today's
# default pooled over every fresh zoo scored with it, 2439-2448 (today-2439-2448.json/.log).
#   bash benchmarks/data/mitigate_s53/rule.sh 2447 2448 > /tmp/h12s53/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s53
A=benchmarks/data/mitigate_s51a; B=benchmarks/data/mitigate_s52; C=benchmarks/data/mitigate_s52r
ARGS=""
for S in "$@"; do ARGS="$ARGS $O/fresh-$S.json:$S"; done
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $O/fresh-pooled.json \
    --today gated --candidate 'gated:back_distill=1' --clean-loss 0.01 --fast 60 --strict
$P benchmarks/pool_default_rows.py --part $A/fresh-2439.json 2439 'gated:free_reach=0.15' \
    --part $A/fresh-2440.json 2440 'gated:free_reach=0.15' \
    --part $B/fresh-2441.json 2441 gated --part $B/fresh-2442.json 2442 gated \
    $(for S in 2443 2444 2445 2446; do echo --part $C/fresh-$S.json $S gated; done) \
    $(for S in "$@"; do echo --part $O/fresh-$S.json $S gated; done) \
    --name gated --out $O/today-2439-2448.json > $O/today-2439-2448.log
cat $O/today-2439-2448.log
