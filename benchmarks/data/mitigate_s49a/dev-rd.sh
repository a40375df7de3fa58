while kill -0 $(cat /tmp/h12as49/dev1.pid) 2>/dev/null; do sleep 5; done
cd /work/wth12a; export PYTHONPATH=src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; P="nice -n 5 /work/main/.venv/bin/python"
$P benchmarks/bench_mitigate_residue_readings.py /tmp/h12bs48/zoo-2429 --only badnets-005,sparse-009,badnets-000,sparse-004,blended-006 --out /tmp/h12as49/rd-2429.json
$P benchmarks/bench_mitigate_residue_readings.py /tmp/h12bs48/zoo-2430 --only blended-006,badnets-005,sparse-009,blended-001 --out /tmp/h12as49/rd-2430.json
$P benchmarks/bench_mitigate_residue_readings.py /tmp/h12as48/zoo-2428 --only blended-006,badnets-005,badnets-000 --out /tmp/h12as49/rd-2428.json
echo done
