# Run from a detached checkout of the commit named in docs/benchmarks.md (here /work/wtlead), so that
# later merges cannot change the code under the run (issue 12, stop 47, lead).
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
cd /work/wtlead
git log -1 --format='commit %h'
for Z in /tmp/h12bs47/zoo-2425 /tmp/h12bs47/zoo-2426; do
  S=${Z##*-}
  echo "score $S $(date -u +%T)"
  nice -n 5 $P benchmarks/bench_mitigate.py $Z --methods gated --out /tmp/lead47/final-$S.json
done
echo "all done $(date -u +%T)"
