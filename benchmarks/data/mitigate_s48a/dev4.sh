export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wth12a/src
P=/work/main/.venv/bin/python
cd /work/wth12a
git log -1 --format='commit %h'
echo "start $(date -u +%T)"
nice -n 5 $P benchmarks/check_dense_repair.py /tmp/h12bs47/zoo-2426 --only sparse-004,blended-001,badnets-005,sig-007 --epochs 2,5 --out /tmp/h12as48/dev4-2426.json
nice -n 5 $P benchmarks/check_dense_repair.py /tmp/h12bs47/zoo-2425 --only blended-001,sparse-009,sparse-004,blended-006 --epochs 2,5 --out /tmp/h12as48/dev4-2425.json
nice -n 5 $P benchmarks/check_dense_repair.py /tmp/h12as47/zoo-2423 --only sparse-004,badnets-005,badnets-000 --epochs 2,5 --out /tmp/h12as48/dev4-2423.json
nice -n 5 $P benchmarks/check_dense_repair.py /tmp/h12as47/zoo-2424 --only badnets-000,blended-001,badnets-005 --epochs 2,5 --out /tmp/h12as48/dev4-2424.json
echo "all done $(date -u +%T)"
