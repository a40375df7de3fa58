# Issue 12, stop 76 (h12; development, spent zoos only): aug_last's fit read epoch by epoch
# (mitigate_aug_s76_dev.py, 8 epochs) on every cached output: stop 75's 30 development models
# (zoos 2499-2510) and the 22 outputs of zoos 2511/2512 where aug_last fired (cache.sh).
# Usage: bash traj.sh a|b OUT.jsonl [--avg]   (a: zoos 2499-2506, b: 2509-2512; --avg: the
# weight averages of the fit's states scored too, traj2-*.jsonl)
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
D=benchmarks/data/mitigate_s76_h12
ZOOS="--zoo 2499=/tmp/h12a73/zoo-2499 --zoo 2500=/tmp/h12a73/zoo-2500 --zoo 2503=/tmp/h12m73/fresh/zoo-2503 --zoo 2504=/tmp/h12m73/fresh/zoo-2504 --zoo 2505=/tmp/h1274/fresh/zoo-2505 --zoo 2506=/tmp/h1274/fresh/zoo-2506 --zoo 2509=/tmp/h12g74/fresh/zoo-2509 --zoo 2510=/tmp/h12g74/fresh/zoo-2510 --zoo 2511=/tmp/h1275/fresh/zoo-2511 --zoo 2512=/tmp/h1275/fresh/zoo-2512"
ONLY=$(ls /tmp/h1276/cache | sed 's/\.pt$//; s/-/\//' | paste -sd,)
if [ "$1" = a ]; then ONLY=$(echo $ONLY | tr , '\n' | grep -E '^250[0-6]|^2499' | paste -sd,)
else ONLY=$(echo $ONLY | tr , '\n' | grep -E '^25(09|1)' | paste -sd,); fi
/usr/bin/time -f "traj $1: %e s wall %U user" nice -n 5 /work/main/.venv/bin/python \
  benchmarks/mitigate_aug_s76_dev.py $2 /tmp/h1276/cache $ZOOS --only $ONLY --epochs 8 "${@:3}"
