# Issue 12, stop 58 (h12): development read of the candidate `gated:sparse_last=1` against today's
# default, both rows from one run per model (benchmarks/check_sparse_last.py), on backdoored MLPs
# today's default holds at the goal with 1-2 points lost (the models the extra step can cost),
# from zoos 2454-2456 (seeds spent at stops 56-57; the zoos as stops 56-57 built them, cut by
# mitigate_s56/cut.py into /tmp/h12s58/devz-S), two zoos side by side. (dev.sh read the first
# candidate, free_last, at c44e089f: devl.log, devl-2455.json.)
#   bash benchmarks/data/mitigate_s58/dev_last.sh > /tmp/h12s58/dev_last.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s58
O=benchmarks/data/mitigate_s58
git log -1 --format='commit %h %cI'
git status --short
one() { nice -n 5 $P benchmarks/check_sparse_last.py $D/devz-$1 $D/devs-$1.json 1 > $D/devs-$1.log 2>&1; cp $D/devs-$1.json $D/devs-$1.log $O/; }
( one 2455; one 2454 ) &
( one 2456 ) &
wait
echo "all done $(date -u +%T)"
