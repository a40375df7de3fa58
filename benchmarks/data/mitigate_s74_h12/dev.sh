# Issue 12, stop 74 (h12), development on spent seeds: gated:mixed_held=R (keep forced, both
# ways scored) on chosen models. bash dev.sh TAG R ZOO:MODEL ...   -> /tmp/h1274/dev-TAG.jsonl
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python
O=/tmp/h1274/dev-$1.jsonl
R=$2
shift 2
for spec in "$@"; do
  S=${spec%%:*}; M=${spec#*:}
  Z=/tmp/h12a72/zoo-$S; [ -d $Z ] || Z=/tmp/h12a73/zoo-$S
  /usr/bin/time -f "$spec: %e s wall %U user" nice -n 5 $P benchmarks/mitigate_held_s74_read.py $O $Z:$S --only $M -p mixed_held=$R
done
echo done $(date -u +%T)
