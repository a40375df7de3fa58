cd /work/wth12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
for S in 2413 2414; do
echo "build $S $(date -u +%T)"
nice -n 5 /work/main/.venv/bin/python -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out /tmp/h12s45/zoo-$S -x serial
echo "score $S $(date -u +%T)"
nice -n 5 /work/main/.venv/bin/python benchmarks/bench_mitigate.py /tmp/h12s45/zoo-$S \
    --methods 'gated;gated:dense_teacher=0.86' --out /tmp/h12s45/fresh-$S.json
echo "done $S $(date -u +%T)"
done
