# Issue 12, stop 52 (h12): the development runs as made (development zoos only, rebuilt with
# stop 51's recipe; one heavy process at a time). Run from the worktree root:
#   bash benchmarks/data/mitigate_s52/dev.sh
# (1) today's default against project_repair=5 on the SIG MLPs of 2439, 2440, 2431, 2435, 2436
#     (check_project_repair.py, both rows from one run: dev-check-e5.log); (2) the repair's
#     epochs 5/10/20, before and after today's free_reach step, on every model of zoos
#     2427-2431 and 2433-2440 named sig-002/sig-007 plus 2433/badnets-000 (dev_epochs.py:
#     dev-epochs.json, dev-epochs.log; dev_table.py prints the tables).
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python; Z=/tmp/h12s52
build() {
nice -n 5 $P -m trojanscope zoo make --dataset mnist --clean 3 --backdoored 10 --attacks badnets,blended,sig,wanet,sparse --archs mlp --seed $1 --out $Z/zoo-$1 -x serial > $Z/build-$1.log 2>&1
}
for S in 2440 2439 2431 2435 2436; do
build $S
nice -n 5 $P benchmarks/check_project_repair.py $Z/zoo-$S --epochs 5 --only sig-002,sig-007 --out $Z/dev-detail-$S.json --rows $Z/dev-rows-$S.json
done
nice -n 5 $P benchmarks/data/mitigate_s52/dev_epochs.py $Z/dev-epochs.json 5,10,20 \
  $Z/zoo-2431:sig-007 $Z/zoo-2435:sig-007 $Z/zoo-2439:sig-002 $Z/zoo-2440:sig-007 \
  $Z/zoo-2431:sig-002 $Z/zoo-2435:sig-002 $Z/zoo-2440:sig-002 $Z/zoo-2436:sig-002 $Z/zoo-2436:sig-007
for S in 2433 2428 2430 2427 2429 2434 2437 2438; do
build $S
X=""; [ $S = 2433 ] && X="$Z/zoo-2433:badnets-000"
nice -n 5 $P benchmarks/data/mitigate_s52/dev_epochs.py $Z/dev-epochs.json 5,10,20 $Z/zoo-$S:sig-002 $Z/zoo-$S:sig-007 $X
done
$P benchmarks/data/mitigate_s52/dev_table.py $Z/dev-epochs.json            # after the step
$P benchmarks/data/mitigate_s52/dev_table.py $Z/dev-epochs.json --nofree   # the step left out
