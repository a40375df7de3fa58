# Issue 12, stop 78 (h12; development, spent zoos only): the search per source class on the
# step's copies (mitigate_cls_s78_dev.py, or with --script another reader of the same command
# line) on stop 77's cache of 70 outputs (/tmp/h1277/cache).
# Usage: bash dev.sh LIST OUT.jsonl [ARGS...]   (LIST: N/NAME,...)
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
SCRIPT=${SCRIPT:-benchmarks/mitigate_cls_s78_dev.py}
ZOOS="--zoo 2499=/tmp/h12a73/zoo-2499 --zoo 2500=/tmp/h12a73/zoo-2500 --zoo 2503=/tmp/h12m73/fresh/zoo-2503 --zoo 2504=/tmp/h12m73/fresh/zoo-2504 --zoo 2505=/tmp/h1274/fresh/zoo-2505 --zoo 2506=/tmp/h1274/fresh/zoo-2506 --zoo 2509=/tmp/h12g74/fresh/zoo-2509 --zoo 2510=/tmp/h12g74/fresh/zoo-2510 --zoo 2511=/tmp/h1275/fresh/zoo-2511 --zoo 2512=/tmp/h1275/fresh/zoo-2512 --zoo 2515=/tmp/h1276/fresh/zoo-2515 --zoo 2516=/tmp/h1276/fresh/zoo-2516"
/usr/bin/time -f "dev: %e s wall %U user" nice -n 5 /work/main/.venv/bin/python \
  $SCRIPT $2 /tmp/h1277/cache $ZOOS --only $1 "${@:3}"
