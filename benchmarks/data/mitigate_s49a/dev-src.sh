while kill -0 $(cat /tmp/h12as49/rd.pid) 2>/dev/null; do sleep 5; done
cd /work/wth12a; export PYTHONPATH=src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; P="nice -n 5 /work/main/.venv/bin/python"
$P benchmarks/diag_mitigate_residue_sources.py /tmp/h12bs48/zoo-2429 --only badnets-005,sparse-009 --out /tmp/h12as49/src-2429.json
$P benchmarks/diag_mitigate_residue_sources.py /tmp/h12bs48/zoo-2430 --only blended-006 --out /tmp/h12as49/src-2430.json
$P benchmarks/diag_mitigate_residue_sources.py /tmp/h12as48/zoo-2428 --only blended-006,wanet-008 --out /tmp/h12as49/src-2428.json
$P benchmarks/diag_mitigate_residue_sources.py /tmp/h12as48/zoo-2427 --only blended-001,wanet-008 --out /tmp/h12as49/src-2427.json
echo done
