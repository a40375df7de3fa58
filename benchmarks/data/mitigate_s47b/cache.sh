cd /work/wth12b
export PYTHONPATH=src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P="nice -n 5 /work/main/.venv/bin/python"
# Issue 12, stop 47 (h12b): today's default on development zoos 2419-2422, each purified model kept
# (run as two scripts, 12:21-12:48 UTC; the same commands, one process)
$P benchmarks/cache_gated_outputs.py /tmp/h12cs46/zoo-2419 --only blended-006,sparse-009,badnets-000,sparse-004 --out-dir /tmp/h12bs47/cache/2419
$P benchmarks/cache_gated_outputs.py /tmp/h12cs46/zoo-2420 --only badnets-000,sig-002,blended-006,wanet-008 --out-dir /tmp/h12bs47/cache/2420
$P benchmarks/cache_gated_outputs.py /tmp/h12ds46/zoo-2421 --only blended-001,sparse-009,sig-007,badnets-005,blended-006 --out-dir /tmp/h12bs47/cache/2421
$P benchmarks/cache_gated_outputs.py /tmp/h12ds46/zoo-2422 --only blended-001,sparse-009,sig-007,badnets-000 --out-dir /tmp/h12bs47/cache/2422
$P benchmarks/cache_gated_outputs.py /tmp/h12cs46/zoo-2419 --only blended-001,sig-002,wanet-003,badnets-005,sig-007,wanet-008 --out-dir /tmp/h12bs47/cache/2419
$P benchmarks/cache_gated_outputs.py /tmp/h12cs46/zoo-2420 --only blended-001,wanet-003,sparse-004,badnets-005,sig-007,sparse-009 --out-dir /tmp/h12bs47/cache/2420
$P benchmarks/cache_gated_outputs.py /tmp/h12ds46/zoo-2421 --only badnets-000,sig-002,wanet-003,sparse-004,wanet-008 --out-dir /tmp/h12bs47/cache/2421
$P benchmarks/cache_gated_outputs.py /tmp/h12ds46/zoo-2422 --only sig-002,wanet-003,sparse-004,badnets-005,blended-006,wanet-008 --out-dir /tmp/h12bs47/cache/2422
for Z in /tmp/h12cs46/zoo-2419:2419 /tmp/h12cs46/zoo-2420:2420 /tmp/h12ds46/zoo-2421:2421 /tmp/h12ds46/zoo-2422:2422; do
$P benchmarks/cache_gated_outputs.py ${Z%%:*} --only clean-000,clean-001,clean-002 --out-dir /tmp/h12bs47/cache/${Z##*:}
done
