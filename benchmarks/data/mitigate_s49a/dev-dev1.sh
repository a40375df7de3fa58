cd /work/wth12a; export PYTHONPATH=src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; P="nice -n 5 /work/main/.venv/bin/python"
for T in 6 4; do
$P benchmarks/bench_mitigate_stages.py /tmp/h12bs48/zoo-2429 --only badnets-005,sparse-009 --params guard_trips=$T --out /tmp/h12as49/t$T-2429.json
$P benchmarks/bench_mitigate_stages.py /tmp/h12bs48/zoo-2430 --only blended-006 --params guard_trips=$T --out /tmp/h12as49/t$T-2430.json
$P benchmarks/bench_mitigate_stages.py /tmp/h12as48/zoo-2428 --only blended-006 --params guard_trips=$T --out /tmp/h12as49/t$T-2428.json
done
echo done
