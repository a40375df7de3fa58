cd /work/wth12a; export PYTHONPATH=src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; P="nice -n 5 /work/main/.venv/bin/python"
$P benchmarks/bench_mitigate_stages.py /tmp/h12bs48/zoo-2429 --only badnets-005,sparse-009,badnets-000 --out /tmp/h12as49/stg-2429.json
$P benchmarks/bench_mitigate_stages.py /tmp/h12bs48/zoo-2430 --only blended-006 --out /tmp/h12as49/stg-2430.json
$P benchmarks/bench_mitigate_stages.py /tmp/h12as48/zoo-2428 --only blended-006,sparse-004 --out /tmp/h12as49/stg-2428.json
$P benchmarks/bench_mitigate_stages.py /tmp/h12as48/zoo-2427 --only blended-001 --out /tmp/h12as49/stg-2427.json
echo done
