# Issue 12, stop 48 (h12d): gated:revert_stripe=0.5 against today's gated on development zoos
# 2427/2428 (h12a's zoos, /tmp/h12as48); only the models whose stored action is the probe's
# revert are rerun (check_revert_stripe.py); run from the worktree's root.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
A=benchmarks/data/mitigate_s48a
D=/tmp/h12ds48
git log -1 --format='commit %h'
for S in 2427 2428; do
nice -n 5 $P benchmarks/check_revert_stripe.py /tmp/h12as48/zoo-$S --rows $A/fresh-$S.json \
    --detail $A/fresh-detail-$S.json --bar 0.5 --out $D/rs-$S.json --reruns $D/rs-reruns-$S.json
done
$P benchmarks/pool_mitigate_rows.py $D/rs-2427.json:2427 $D/rs-2428.json:2428 --out $D/rs-pooled.json
$P benchmarks/ship_rule_mitigate.py $D/rs-pooled.json --today gated \
    --candidate gated:revert_stripe=0.5 --clean-loss 0.01 --fast 60
