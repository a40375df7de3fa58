# stop A once its sig-002 row is written (wanet-003's today row is B's, read 06:06), then read
# fast_conv=2 on spent zoo-2480/sparse-009 in that slot (development)
while ! grep -q "^sig-002: today" /tmp/h12c/s67/score-2483.log 2>/dev/null; do sleep 10; done
sleep 3
kill 14159; sleep 5; kill -KILL 14159 2>/dev/null
echo "A stopped after sig-002 $(date -u +%T)"
cd /work/wt/h12c
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks timeout -k 20 $(( $(date -u -d "2026-12-06 06:40" +%s) - $(date -u +%s) )) nice -n 5 /work/main/.venv/bin/python benchmarks/dev_s67_cnn_rounds.py /tmp/h12c/s67/zoo-2480 /tmp/h12c/s67/dev-fast-2480b.json sparse-009 fast_conv=2 > /tmp/h12c/s67/dev-fast-2480b.log 2>&1
echo "dev done rc $? $(date -u +%T)"
