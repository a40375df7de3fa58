cd /work/wt/h12a
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=/tmp/h12a73/try-$1.jsonl
shift
for spec in "$@"; do
  S=${spec%%:*}; M=${spec#*:}
  Z=/tmp/h12a72/zoo-$S; [ -d $Z ] || Z=/tmp/h12a73/zoo-$S
  /usr/bin/time -f "$spec: %e s wall %U user" nice -n 5 $P benchmarks/data/mitigate_s73_h12a/try_mixed_held.py $O $Z:$S --only $M
done
echo done $(date -u +%T)
