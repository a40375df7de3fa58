# Issue 12, stop 49 (h12f): after fresh.sh, which fresh models took the kept-projection hand-back
# path under today's default, and what the probe read there (p, trigger on the projected model).
# Run from the worktree root:
#   bash benchmarks/data/mitigate_s49f/path.sh > /tmp/h12fs49/path.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s49f
git log -1 --format='commit %h %cI'
for S in 2435 2436; do
echo "zoo $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_stage_params.py /tmp/h12fs49/zoo-$S \
    --only badnets-000,blended-001,sig-002,wanet-003,sparse-004,badnets-005,blended-006,sig-007,wanet-008,sparse-009 \
    --sets='-' --out $O/path-$S.json > /dev/null
done
echo "all done $(date -u +%T)"
