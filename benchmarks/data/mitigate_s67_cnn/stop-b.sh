# stop B's today run once its wanet-003 row is written (A reads sig-000), then read fast_conv=2 on
# spent zoo-2480/badnets-005 in that slot (development)
while ! grep -q "^wanet-003" /tmp/h12c/s67/today-2483.log 2>/dev/null; do sleep 10; done
kill 31451; sleep 5; kill -KILL 31451 2>/dev/null
echo "B today stopped after wanet-003 $(date -u +%T)"
cd /work/wt/h12c
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks timeout -k 20 $(( $(date -u -d "2026-12-06 06:40" +%s) - $(date -u +%s) )) nice -n 5 /work/main/.venv/bin/python benchmarks/dev_s67_cnn_rounds.py /tmp/h12c/s67/zoo-2480 /tmp/h12c/s67/dev-fast-2480.json badnets-005 fast_conv=2 > /tmp/h12c/s67/dev-fast-2480.log 2>&1
echo "dev done rc $? $(date -u +%T)"
