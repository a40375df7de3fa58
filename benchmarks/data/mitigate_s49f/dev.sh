# Issue 12, stop 49 (h12f): every development model (zoos 2427-2430, 2433) whose kept projection
# today's default hands back (the projected model), under today's default and hand_projected=0.5:
# digest, the probe's readings, CA/ASR after. Run from the worktree root:
#   bash benchmarks/data/mitigate_s49f/dev.sh > /tmp/h12fs49/dev.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
Z=/tmp/h12bs49
git log -1 --format='commit %h %cI'
for A in 2433:badnets-000,sig-002,sig-007 2427:sig-007 2428:sig-002,sig-007 \
         2429:sig-002,sig-007 2430:sig-002,sig-007; do
S=${A%%:*}; M=${A#*:}
echo "zoo $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_stage_params.py $Z/zoo-$S --only $M \
    --sets='-;hand_projected=0.5' --out benchmarks/data/mitigate_s49f/dev-$S.json > /dev/null
done
echo "all done $(date -u +%T)"
