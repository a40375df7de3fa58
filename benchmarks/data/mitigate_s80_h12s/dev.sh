# Issue 12, stop 80 (h12s; development, spent zoos only): stop 72's step reader
# (mitigate_acc_s72_read.py: every stage's CA/ASR on the 800 scored images, the notes) on the
# rebuilt SIG MLPs of the named spent zoos, with `gated`'s options given as -p K=V.
#   bash benchmarks/data/mitigate_s80_h12s/dev.sh OUT.jsonl "2521 2523" [-p K=V ...]
cd /work/wt/h12s
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks HF_HUB_OFFLINE=1
OUT=$1; ZOOS=$2; shift 2
for S in $ZOOS; do
  nice -n 5 /work/main/.venv/bin/python benchmarks/mitigate_acc_s72_read.py $OUT /tmp/h12s80/spent/zoo-$S:$S ${ONLY:+--only $ONLY} "$@"
done
echo "done $(date -u +%T)"
