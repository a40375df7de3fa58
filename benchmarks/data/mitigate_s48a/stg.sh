export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wth12a/src
P=/work/main/.venv/bin/python
cd /work/wth12a
nice -n 5 $P benchmarks/bench_mitigate_stages.py /tmp/h12bs47/zoo-2426 --only sparse-004 --out /tmp/h12as48/stages-2426.json
nice -n 5 $P benchmarks/bench_mitigate_stages.py /tmp/h12bs47/zoo-2425 --only blended-001,sparse-009 --out /tmp/h12as48/stages-2425.json
nice -n 5 $P benchmarks/bench_mitigate_stages.py /tmp/h12as47/zoo-2423 --only sparse-004,badnets-005 --out /tmp/h12as48/stages-2423.json
nice -n 5 $P benchmarks/bench_mitigate_stages.py /tmp/h12as47/zoo-2424 --only badnets-000 --out /tmp/h12as48/stages-2424.json
echo "all done $(date -u +%T)"
