# dev.sh OUT.jsonl ZOO:N NAME[,NAME] [-p K=V ...]: stop 72's step reader on spent models, one
# process (issue 12, stop 82: h12b; development on spent zoos only)
cd /work/wt/h12b
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
OUT=$1; Z=$2; ONLY=$3; shift 3
nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_acc_s72_read.py $OUT $Z --only $ONLY "$@"
echo "done $(date -u +%T)"
