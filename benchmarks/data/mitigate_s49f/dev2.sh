# Issue 12, stop 49 (h12f): 2433/badnets-000 with the projection undone (projected_undo=1), and
# zoo-2431/2432's SIG MLPs (is any on the kept-projection hand-back path?) under today's default
# and hand_projected=0.5. Run from the worktree root:
#   bash benchmarks/data/mitigate_s49f/dev2.sh > /tmp/h12fs49/dev2.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
O=benchmarks/data/mitigate_s49f
git log -1 --format='commit %h %cI'
echo "undo $(date -u +%T)"
nice -n 5 $P benchmarks/check_stage_params.py /tmp/h12bs49/zoo-2433 --only badnets-000 \
    --sets='hand_projected=0.5,projected_undo=1' --out $O/dev-undo-2433.json > /dev/null
for S in 2431 2432; do
echo "zoo $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_stage_params.py /tmp/h12as49/zoo-$S --only sig-002,sig-007 \
    --sets='-;hand_projected=0.5' --out $O/dev-$S.json > /dev/null
done
echo "all done $(date -u +%T)"
