# Issue 12, stop 56 (h12): development read of `gated:held_pick=0.2` against today's default on
# zoo-2452 (seed 2452, spent at stop 55; rebuilt with fresh.sh's recipe into /tmp/h12s56/zoo-2452),
# its ten backdoored MLPs, the stop-55 accuracy misses first (cut.py links them into
# /tmp/h12s56/dev-2452 in that order). Stopped when the plan was committed (load 15-22).
#   bash benchmarks/data/mitigate_s56/dev.sh > /tmp/h12s56/dev-2452.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s56
nice -n 5 $P -m trojanscope zoo make --dataset mnist --clean 3 --backdoored 10 \
    --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed 2452 --out $D/zoo-2452 -x serial
python3 benchmarks/data/mitigate_s56/cut.py $D/zoo-2452 $D/dev-2452 badnets-005,blended-006,badnets-000,sparse-004,blended-001,sig-002,sparse-009,sig-007,wanet-003,wanet-008
nice -n 5 $P benchmarks/check_held_pick.py $D/dev-2452 $D/dev-2452.json 0.2
