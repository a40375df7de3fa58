# Issue 12, stop 61 (h12): development rows for `gated:dense_epochs=$N` on every model of stop
# 60's zoos 2461 and 2462 (spent seeds; on disk at /tmp/h12s60, read-only), the candidate only
# (today's rows: stop 60's fresh-2461/2462.json, same seed and split), in stop 60's four parts;
# first 2461/sig-002 with both rows, to check that today's run reproduces stop 60's row.
# ONE heavy process at a time (this stop's limit). Run from the worktree root:
#   N=20 bash benchmarks/data/mitigate_s61/dev.sh > /tmp/h12s61/dev.log 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
D=/tmp/h12s61
S60=/tmp/h12s60
O=benchmarks/data/mitigate_s61
N=${N:-20}
A=badnets-000,clean-000,blended-001,sig-002,clean-001,wanet-003,sparse-004
B=badnets-005,clean-002,blended-006,sig-007,wanet-008,sparse-009
git log -1 --format='commit %h %cI'
python3 benchmarks/data/mitigate_s56/cut.py $S60/zoo-2461 $D/dev-repro sig-002
echo "repro $(date -u +%T)"
nice -n 5 timeout 600 $P benchmarks/check_first_epochs.py $D/dev-repro $O/dev-repro.json $N
for PART in a b; do
  for S in 2461 2462; do
    [ $PART = a ] && ORDER=$A || ORDER=$B
    python3 benchmarks/data/mitigate_s56/cut.py $S60/zoo-$S $D/dev-$S$PART $ORDER
    echo "dev $S$PART $(date -u +%T)"
    nice -n 5 timeout 1500 $P benchmarks/check_first_epochs.py $D/dev-$S$PART \
        $O/dev-$S$PART.json $N --no-today
  done
done
echo "all done $(date -u +%T)"
