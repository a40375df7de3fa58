# light.sh OUT.jsonl "ZOO:N:ONLY ..." [-p K=V ...]: mitigate_dense_s71_read over several zoos, one
# process (issue 12, stop 82: h12b; development on spent zoos only)
OUT=$1; SPECS=$2; shift 2
cd /work/wt/h12b
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
for s in $SPECS; do
  Z=${s%:*}; O=${s##*:}
  nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_dense_s71_read.py $OUT $Z --only $O "$@"
done
echo "done $(date -u +%T)"
