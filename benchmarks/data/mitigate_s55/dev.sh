# Issue 12, stop 55 (h12): development read of the built `first_read` on the SIG MLPs of zoos
# 2433-2450 (development data, reused from stops 52-54, not retrained; /tmp/h12s55/sig-S holds
# each zoo's truth.json cut to its SIG models, linked to the zoo's own folders), today's default
# against `gated:first_read=0.03` from one run per model (benchmarks/check_first_read.py).
# Only SIG MLPs are read: the step runs only where a stripe projection was kept (on zoos
# 2443-2450 every such model was a SIG MLP; benchmarks/data/mitigate_s54 notes).
#   bash benchmarks/data/mitigate_s55/dev.sh > /tmp/h12s55/dev.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s55
git log -1 --format='commit %h %cI'
git status --short
for S in 2449 2450 2443 2444 2445 2446 2447 2448 2442 2441 2440 2439 2438 2437 2436 2435 2434 2433; do
  echo "score $S $(date -u +%T)"
  nice -n 5 $P benchmarks/check_first_read.py /tmp/h12s55/sig-$S /tmp/h12s55/dev/dev-$S.json 0.03
  cp /tmp/h12s55/dev/dev-$S.json $O/
  echo "done $S $(date -u +%T)"
done
echo "all done $(date -u +%T)"
