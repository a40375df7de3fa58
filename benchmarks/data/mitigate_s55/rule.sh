# Issue 12, stop 55 (h12): read plan.md's rule on the zoos of 2451, 2452 scored whole by the cut
# (passed as arguments, e.g. `2451 2452`): pool their rows and print the ship rule; then today's
# default pooled over every fresh zoo scored with the default of its day, 2439-2452
# (today-2439-2452.json/.log; 2449/2450 as stop 54 scored them, before `reach_round2`).
#   bash benchmarks/data/mitigate_s55/rule.sh 2451 2452 > /tmp/h12s55/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s55
A=benchmarks/data/mitigate_s51a; B=benchmarks/data/mitigate_s52; C=benchmarks/data/mitigate_s52r
E=benchmarks/data/mitigate_s53; F=benchmarks/data/mitigate_s54
ARGS=""
for S in "$@"; do ARGS="$ARGS $O/fresh-$S.json:$S"; done
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/ship_rule_mitigate.py $O/fresh-pooled.json \
    --today gated --candidate 'gated:first_read=0.03' --clean-loss 0.01 --fast 60 --strict
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/pool_default_rows.py --part $A/fresh-2439.json 2439 'gated:free_reach=0.15' \
    --part $A/fresh-2440.json 2440 'gated:free_reach=0.15' \
    --part $B/fresh-2441.json 2441 gated --part $B/fresh-2442.json 2442 gated \
    $(for S in 2443 2444 2445 2446; do echo --part $C/fresh-$S.json $S gated; done) \
    --part $E/fresh-2447.json 2447 gated --part $E/fresh-2448.json 2448 gated \
    --part $F/fresh-2449.json 2449 gated --part $F/fresh-2450.json 2450 gated \
    $(for S in "$@"; do echo --part $O/fresh-$S.json $S gated; done) \
    --name gated --out $O/today-2439-2452.json > $O/today-2439-2452.log
cat $O/today-2439-2452.log
$P benchmarks/goal_by_family.py $O/today-2439-2452.json
