cd /work/wth12a
while kill -0 $(cat /tmp/h12as46/dev3.pid) 2>/dev/null; do sleep 5; done
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
git -C /work/wth12a log -1 --format='commit %h' 
for S in 2415 2416; do
echo "build $S start $(date -u +%T)"
PYTHONPATH=src nice -n 5 $P -m trojanscope zoo make --dataset mnist \
    --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $S --out /tmp/h12as46/zoo-$S -x serial
echo "score $S start $(date -u +%T)"
PYTHONPATH=src nice -n 5 $P benchmarks/bench_mitigate.py /tmp/h12as46/zoo-$S \
    --methods 'gated;gated:hand_check=0.9' --out /tmp/h12as46/fresh-$S.json
echo "score $S end $(date -u +%T)"
done
PYTHONPATH=src $P benchmarks/pool_mitigate_rows.py \
    /tmp/h12as46/fresh-2415.json:2415 /tmp/h12as46/fresh-2416.json:2416 --out /tmp/h12as46/fresh-pooled.json
PYTHONPATH=src $P benchmarks/ship_rule_mitigate.py /tmp/h12as46/fresh-pooled.json \
    --today gated --candidate gated:hand_check=0.9 --clean-loss 0.01 --fast 60 --strict > /tmp/h12as46/rule-pooled.txt
for S in 2415 2416; do
PYTHONPATH=src $P benchmarks/ship_rule_mitigate.py /tmp/h12as46/fresh-$S.json \
    --today gated --candidate gated:hand_check=0.9 --clean-loss 0.01 --fast 60 --strict > /tmp/h12as46/rule-$S.txt
done
echo "all done $(date -u +%T)"
