export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wth12a/src
P=/work/main/.venv/bin/python
cd /work/wth12a
for Z in /tmp/h12bs47/zoo-2425 /tmp/h12bs47/zoo-2426 /tmp/h12as47/zoo-2423 /tmp/h12as47/zoo-2424; do S=${Z##*-}
echo "zoo $S $(date -u +%T)"
nice -n 5 $P benchmarks/check_stage_params.py $Z --only badnets-000,blended-001,sparse-004,badnets-005,blended-006,sparse-009 --sets 'dense_then=0;dense_distill=3' --out /tmp/h12as48/dev1-$S.json
done
echo "all done $(date -u +%T)"
