# Issue 12, stop 70 (h12): read plan.md's rule on the pairs of rows fresh.sh wrote by the cut
# (fresh-2488.json, fresh-2489.json: every model both of whose rows are there): (A)-(D) from
# mitigate_read_rule.py's readings (plan.md's (A) is "at least as many", (B) "none lost": read
# from its counts and lists, not its own verdict); the gate's misplacements on the fresh input
# models (mitigate_gate_s69_table.py --rule: blended under the rise's bar, others over it); the
# per-model table with wall and CPU seconds; today's default pooled over every fresh zoo scored
# with the default of its day, 2439-2489 (today-2439-2489.json/.log); and step 1's table (the
# pooled misses read again under today's default, dev-rows.jsonl).
#   B=0.5 bash benchmarks/data/mitigate_s70/rule.sh > /tmp/h12/s70/rule.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s70
B=${B:?the bar}
CAND="gated:blend_stop=$B"
A=benchmarks/data/mitigate_s51a; B2=benchmarks/data/mitigate_s52; C=benchmarks/data/mitigate_s52r
E2=benchmarks/data/mitigate_s53; F=benchmarks/data/mitigate_s54; G=benchmarks/data/mitigate_s55
H=benchmarks/data/mitigate_s56; I=benchmarks/data/mitigate_s57; J=benchmarks/data/mitigate_s58
K=benchmarks/data/mitigate_s59; L=benchmarks/data/mitigate_s60; M=benchmarks/data/mitigate_s61
N=benchmarks/data/mitigate_s62; Q=benchmarks/data/mitigate_s63
R=benchmarks/data/mitigate_s64; T=benchmarks/data/mitigate_s65
U=benchmarks/data/mitigate_s66; V=benchmarks/data/mitigate_s67
W=benchmarks/data/mitigate_s68; X=benchmarks/data/mitigate_s69
ARGS=""; PARTS=""
for S in 2488 2489; do
  [ -f $O/fresh-$S.json ] || continue
  ARGS="$ARGS $O/fresh-$S.json:$S" && PARTS="$PARTS --part $O/fresh-$S.json $S gated"
done
$P benchmarks/pool_mitigate_rows.py $ARGS --out $O/fresh-pooled.json
$P benchmarks/mitigate_read_rule.py $O/fresh-pooled.json --candidate "$CAND" --min-backdoored 6 \
    --time cpu --time-ratio 1.1 --time-floor 0 --time-add 0.2
$P benchmarks/ship_rule_mitigate.py $O/fresh-pooled.json \
    --today gated --candidate "$CAND" --clean-loss 0.01 --fast 60 --strict
$P benchmarks/goal_by_family.py $O/fresh-pooled.json
$P benchmarks/mitigate_gate_s69_table.py --rule $(ls $O/gate-2488.jsonl $O/gate-2489.jsonl 2>/dev/null)
$P $N/table.py fresh "$CAND" $(for S in 2488 2489; do [ -f $O/fresh-$S.json ] && echo $O/fresh-$S.json:$S; done) > $O/fresh-table.txt
cat $O/fresh-table.txt
$P benchmarks/pool_default_rows.py --part $A/fresh-2439.json 2439 'gated:free_reach=0.15' \
    --part $A/fresh-2440.json 2440 'gated:free_reach=0.15' \
    --part $B2/fresh-2441.json 2441 gated --part $B2/fresh-2442.json 2442 gated \
    $(for S in 2443 2444 2445 2446; do echo --part $C/fresh-$S.json $S gated; done) \
    --part $E2/fresh-2447.json 2447 gated --part $E2/fresh-2448.json 2448 gated \
    --part $F/fresh-2449.json 2449 gated --part $F/fresh-2450.json 2450 gated \
    --part $G/fresh-2451.json 2451 gated --part $G/fresh-2452.json 2452 gated \
    --part $H/fresh-2453.json 2453 gated --part $H/fresh-2454.json 2454 gated \
    --part $I/fresh-2455.json 2455 gated --part $I/fresh-2456.json 2456 gated \
    --part $J/fresh-2457.json 2457 gated --part $J/fresh-2458.json 2458 gated \
    --part $K/fresh-2459.json 2459 gated --part $K/fresh-2460.json 2460 gated \
    --part $L/fresh-2461.json 2461 gated --part $L/fresh-2462.json 2462 gated \
    --part $M/fresh-2463.json 2463 gated --part $M/fresh-2464.json 2464 gated \
    --part $N/fresh-2465.json 2465 gated --part $N/fresh-2466.json 2466 gated \
    --part $Q/fresh-2467.json 2467 gated --part $Q/fresh-2468.json 2468 gated \
    --part $R/fresh-2469.json 2469 gated --part $R/fresh-2470.json 2470 gated \
    --part $T/fresh-2471.json 2471 gated --part $T/fresh-2472.json 2472 gated \
    --part $U/fresh-2473.json 2473 gated --part $U/fresh-2474.json 2474 gated \
    --part $V/fresh-2475.json 2475 gated --part $V/fresh-2476.json 2476 gated \
    --part $W/fresh-2477.json 2477 gated --part $W/fresh-2478.json 2478 gated \
    --part $X/fresh-2479.json 2479 gated --part $X/fresh-2487.json 2487 gated \
    $PARTS --name gated --out $O/today-2439-2489.json > $O/today-2439-2489.log
cat $O/today-2439-2489.log
$P benchmarks/goal_by_family.py $O/today-2439-2489.json
python3 $I/granularity.py $O/today-2439-2489.json
[ -f $O/dev-rows.jsonl ] && $P benchmarks/mitigate_misses_s70_table.py $O/today-2439-2489.json $O/dev-rows.jsonl
