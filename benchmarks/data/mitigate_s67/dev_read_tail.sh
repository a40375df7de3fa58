# Issue 12, stop 67 (h12): as run at 05:28 beside dev_read.sh (from /tmp/h12/s67/tail.sh): the last five
# models of /tmp/h12/s65/dev-b (linked into /tmp/h12/s67/dev-b-tail with their keep.jsonl rows) in a
# second process once the first ended; the first process of dev-b stopped before it reached them.
# wait for process A to end, then read the tail of dev-b in a second process; stop B before it reaches the tail
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
A=$(cat /tmp/h12/s67/read-a.pid); B=$(cat /tmp/h12/s67/read-b.pid)
while kill -0 $A 2>/dev/null; do sleep 5; done
echo "A ended $(date -u +%T)"
nice -n 5 /work/main/.venv/bin/python benchmarks/data/mitigate_s67/dev_read.py /tmp/h12/s67/dev-read-c.jsonl /tmp/h12/s67/dev-b-tail > /tmp/h12/s67/read-c.log 2>&1 &
echo $! > /tmp/h12/s67/read-c.pid
while ! grep -q "^2468/sparse-004" /tmp/h12/s67/read-b.log; do sleep 3; done
kill $B; echo "B stopped after 2468/sparse-004 $(date -u +%T)"
wait
echo "C ended $(date -u +%T)"
