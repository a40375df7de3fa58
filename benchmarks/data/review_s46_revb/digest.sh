#!/bin/bash
# revb (stop 46): digests of gated's output weights, stop-45 source (a875fb53) vs merged main (b0b275c2)
cd /work/wtrevb
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P="nice -n 5 /work/main/.venv/bin/python"
date -u
PYTHONPATH=/tmp/revbs46/base/src $P benchmarks/check_stage_params.py /tmp/h12as46/zoo-2415 --only wanet-008,clean-000 --sets='-' --out /tmp/revbs46/dg-base-2415.json
date -u
PYTHONPATH=src $P benchmarks/check_stage_params.py /tmp/h12as46/zoo-2415 --only wanet-008,clean-000 --sets='hand_check=0;-;hand_check=0.9' --out /tmp/revbs46/dg-main-2415.json
date -u
PYTHONPATH=/tmp/revbs46/base/src $P benchmarks/check_stage_params.py /tmp/h12as46/zoo-2416 --only sig-007 --sets='stripe_gate=0.45' --out /tmp/revbs46/dg-base-2416.json
date -u
PYTHONPATH=src $P benchmarks/check_stage_params.py /tmp/h12as46/zoo-2416 --only sig-007 --sets='stripe_gate=0.45,hand_check=0;stripe_gate=0.45,stripe_top=1;stripe_gate=0.45,stripe_top=1,stripe_eps=0.3' --out /tmp/revbs46/dg-main-2416.json
date -u
