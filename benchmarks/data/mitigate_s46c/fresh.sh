cd /work/wth12c
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
C='gated:stripe_gate=0.78,stripe_top=0,stripe_eps=0.4'
for S in 2419 2420; do
echo "build $S $(date -u +%T)"
nice -n 5 /work/main/.venv/bin/python -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out /tmp/h12cs46/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 /work/main/.venv/bin/python benchmarks/bench_mitigate.py /tmp/h12cs46/zoo-$S \
    --methods "gated;$C" --out /tmp/h12cs46/fresh-$S.json
echo "done $S $(date -u +%T)"
done
