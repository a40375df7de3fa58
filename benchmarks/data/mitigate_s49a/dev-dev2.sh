while kill -0 $(cat /tmp/h12as49/src.pid) 2>/dev/null; do sleep 5; done
cd /work/wth12a; export PYTHONPATH=src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1; P="nice -n 5 /work/main/.venv/bin/python"
for Z in /tmp/h12bs48/zoo-2429 /tmp/h12bs48/zoo-2430 /tmp/h12as48/zoo-2428 /tmp/h12as48/zoo-2427; do
S=${Z##*-}
$P benchmarks/bench_mitigate.py $Z --methods 'gated:guard_trips=6' --out /tmp/h12as49/dev-t6-$S.json
done
echo done
