#!/bin/bash
# Seed 9913 (issue 9, stop 70: h2c), built after 9912 was read whole: as run_fresh.sh, the
# twins first and without the trigger search (it does not enter the score), then main's detect.
# usage: run_9913.sh MAKER
set -e
S=9913; M=$1; Z=/tmp/h2c/s70/zoo-$S-$M
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
cd /work/wt/h2c
clean=$(printf "s$S-$M-%02d," 0 2 4 6); bad=$(printf "s$S-$M-%02d," 1 3 5 7)
PYTHONPATH=src:benchmarks nice -n 5 $P benchmarks/two_class_zoo.py --out $Z --seed $S --per-maker 8 --only $clean
PYTHONPATH=src:benchmarks nice -n 5 $P benchmarks/two_class_zoo.py --out $Z --seed $S --per-maker 8 --only $bad
PYTHONPATH=src:benchmarks nice -n 5 $P benchmarks/two_class_twins.py $Z /tmp/h2c/s70/twins-$S-$M --twins 3 --no-search --split train
PYTHONPATH=/tmp/h2c/s70/mainsrc/src:benchmarks nice -n 5 $P benchmarks/two_class_read.py $Z /tmp/h2c/s70/main-$S-$M
