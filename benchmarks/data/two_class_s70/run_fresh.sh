#!/bin/bash
# Fresh seed (issue 9, stop 70: h2c): one maker's models, clean first, then today's detect
# (main at 2f2cb78a, unpacked in MAINSRC) and the candidate's twins, model by model order.
# usage: run_fresh.sh SEED MAKER   (run from the worktree; one process a maker)
set -e
S=$1; M=$2; Z=/tmp/h2c/s70/zoo-$S-$M
MAINSRC=/tmp/h2c/s70/mainsrc/src
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
clean=$(printf "s$S-$M-%02d," 0 2 4 6); bad=$(printf "s$S-$M-%02d," 1 3 5 7)
PYTHONPATH=src:benchmarks nice -n 5 $P benchmarks/two_class_zoo.py --out $Z --seed $S --per-maker 8 --only $clean
PYTHONPATH=src:benchmarks nice -n 5 $P benchmarks/two_class_zoo.py --out $Z --seed $S --per-maker 8 --only $bad
PYTHONPATH=$MAINSRC:benchmarks nice -n 5 $P benchmarks/two_class_read.py $Z /tmp/h2c/s70/main-$S-$M
PYTHONPATH=src:benchmarks nice -n 5 $P benchmarks/two_class_twins.py $Z /tmp/h2c/s70/twins-$S-$M --twins 3 --split train
