# Issue 12, stop 54 (h12): development re-measure of the built `reach_round2` on zoos 2443-2448
# (development data: 2443-2446 from stop 52's h12r, 2447/2448 from stop 53, reused, not retrained),
# today's default against `gated:reach_round2=1` from one run per model
# (benchmarks/check_reach_round2.py). Run from the worktree root:
#   bash benchmarks/data/mitigate_s54/dev.sh > /tmp/h12s54/dev.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s54
git log -1 --format='commit %h %cI'
git status --short
for S in 2443 2444 2445 2446 2447 2448; do
  Z=/tmp/h12rs52/zoo-$S; [ -d "$Z" ] || Z=/tmp/h12s53/zoo-$S
  echo "score $S $(date -u +%T) $Z"
  nice -n 5 $P benchmarks/check_reach_round2.py $Z /tmp/h12s54/dev-$S.json
  cp /tmp/h12s54/dev-$S.json $O/
  echo "done $S $(date -u +%T)"
done
echo "all done $(date -u +%T)"
