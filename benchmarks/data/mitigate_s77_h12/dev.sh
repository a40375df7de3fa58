# Issue 12, stop 77 (h12; development, spent zoos only): today's BadNets misses after aug_last
# read (mitigate_res_s77_dev.py): the attacker's footprint against the reversed mask, the
# residue, the classes that lose, second searches, and variants of the step, on every cached
# output (stop 75's 30 development models of 2499-2510, the 22 of 2511/2512 and the 18 of
# 2515/2516 where aug_last fired; the cache: /tmp/h1277/cache, cache.sh).
# Usage: bash dev.sh LIST OUT.jsonl [VARIANTS...]   (LIST: N/NAME,...)
cd /work/wt/h12
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
ZOOS="--zoo 2499=/tmp/h12a73/zoo-2499 --zoo 2500=/tmp/h12a73/zoo-2500 --zoo 2503=/tmp/h12m73/fresh/zoo-2503 --zoo 2504=/tmp/h12m73/fresh/zoo-2504 --zoo 2505=/tmp/h1274/fresh/zoo-2505 --zoo 2506=/tmp/h1274/fresh/zoo-2506 --zoo 2509=/tmp/h12g74/fresh/zoo-2509 --zoo 2510=/tmp/h12g74/fresh/zoo-2510 --zoo 2511=/tmp/h1275/fresh/zoo-2511 --zoo 2512=/tmp/h1275/fresh/zoo-2512 --zoo 2515=/tmp/h1276/fresh/zoo-2515 --zoo 2516=/tmp/h1276/fresh/zoo-2516"
/usr/bin/time -f "dev: %e s wall %U user" /work/main/.venv/bin/python \
  benchmarks/mitigate_res_s77_dev.py $2 /tmp/h1277/cache $ZOOS --only $1 --search 1,2,4 "${@:3}"
