# Issue 12, stop 48 (h12b): today's default `gated` on zoos 2423 and 2424 (development for the
# margin: its stop-47 losses), each purified model kept, so the margin candidates can be read on
# the very models the default returns. Run from the worktree root:
#   bash benchmarks/data/mitigate_s48b/cache.sh > /tmp/h12bs48/cache.log 2>&1
export PYTHONPATH=src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P="nice -n 5 /work/main/.venv/bin/python"
git log -1 --format='commit %h %cI'
for S in 2423 2424; do
  echo "cache $S $(date -u +%T)"
  $P benchmarks/cache_gated_outputs.py /tmp/h12as47/zoo-$S --out-dir /tmp/h12bs48/cache/$S
done
echo "all done $(date -u +%T)"
