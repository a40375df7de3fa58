#!/bin/bash
# revb (stop 46): hand_check on LeNet-5 models (development zoos of hR4 stop 43), off vs default
cd /work/wtrevb
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P="nice -n 5 /work/main/.venv/bin/python"
for Z in zoo-cnn zoo-cnn2; do
date -u
PYTHONPATH=src $P benchmarks/check_stage_params.py /tmp/hR4s43/$Z --sets='hand_check=0;-' --out /tmp/revbs46/cnn-$Z.json
done
date -u
