#!/bin/bash
# fresh first-contact seeds 202-213: built, not scored, before the rule (h9s, stop 76)
cd /work/wt/h9s
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/tmp/hcmd71/skl:src:benchmarks
PY="/usr/bin/time -f %e_s_wall_%U_user_%S_sys /work/main/.venv/bin/python -W ignore benchmarks/user_mlp_s73_h9m.py"
W=/tmp/h9s76/fresh
date -u +"start %T"
$PY --build $W --seeds 202-213 --families patch,blend,sparse,sig
$PY --build $W --seeds 202-207 --aimed 5 --maker skl --rate 0.03 --families sparse,patch,sig,blend --stream 7600
$PY --build $W --seeds 208-213 --aimed 6 --maker skl --rate 0.03 --families sparse,patch,sig,blend --stream 7600
$PY --build $W --seeds 202-207 --aimed 6 --maker skl --rate 0.05 --families sparse,patch --stream 7700
$PY --build $W --seeds 208-213 --aimed 5 --maker skl --rate 0.05 --families sparse,patch --stream 7700
$PY --build $W --seeds 202-203 --aimed 5 --maker torch --rate 0.03 --families sparse,patch,blend --stream 7800
$PY --build $W --seeds 208-209 --aimed 6 --maker torch --rate 0.03 --families sparse,patch,blend --stream 7800
date -u +"end %T"
