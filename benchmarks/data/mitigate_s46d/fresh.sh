cd /work/wth12d
while kill -0 $(cat /tmp/h12ds46/rd.pid) 2>/dev/null; do sleep 5; done
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
git -C /work/wth12d log -1 --format='commit %h'
for S in 2421 2422; do
echo "build $S start $(date -u +%T)"
PYTHONPATH=src nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out /tmp/h12ds46/zoo-$S -x serial
echo "score $S start $(date -u +%T)"
PYTHONPATH=src nice -n 5 $P benchmarks/bench_mitigate.py /tmp/h12ds46/zoo-$S \
    --methods 'gated' --out /tmp/h12ds46/fresh-$S.json
echo "score $S end $(date -u +%T)"
done
PYTHONPATH=src $P benchmarks/pool_mitigate_rows.py \
    /tmp/h12ds46/fresh-2421.json:2421 /tmp/h12ds46/fresh-2422.json:2422 --out /tmp/h12ds46/fresh-pooled.json
echo "all done $(date -u +%T)"
