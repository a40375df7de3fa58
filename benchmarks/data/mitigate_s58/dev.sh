# Issue 12, stop 58 (h12): development read of the candidate `gated:free_last=1` against today's
# default, both rows from one run per model (benchmarks/check_free_last.py), on backdoored MLPs
# today's default holds at the goal with 1-2 points lost (the models the extra round can cost),
# from zoos 2454-2456 (seeds spent at stops 56-57; the zoos as stops 56-57 built them, cut by
# mitigate_s56/cut.py into /tmp/h12s58/devz-S).
#   bash benchmarks/data/mitigate_s58/dev.sh > /tmp/h12s58/dev.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s58
O=benchmarks/data/mitigate_s58
git log -1 --format='commit %h %cI'
for S in 2455 2456 2454; do
  echo "score $S $(date -u +%T)"
  nice -n 5 $P benchmarks/check_free_last.py $D/devz-$S $D/devl-$S.json 1
  cp $D/devl-$S.json $O/ 2>/dev/null
done
echo "all done $(date -u +%T)"
