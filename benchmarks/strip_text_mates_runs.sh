#!/bin/bash
# strip-text `mates` on fresh MiniLM (issue 15, stop 55): per seed, `addsent` trained at the demo
# size and read by strip_text_class_dump.py on the split seeds given, first with today's detector
# (OUT/dump_addsent-S.json), then with the candidate's parameters CAND (default "-p mates=2";
# OUT/dump_mates_addsent-S.json) on the same folder, split and generator, so the first partner of
# each candidate mixture is today's. The training and readings are strip_text_class_runs.sh's
# (one heavy process at a time, `nice`, one thread; CA/ASR JSON and walls in OUT).
#   bash benchmarks/strip_text_mates_runs.sh WORK OUT "SEED:TARGET ..." "SPLIT_SEEDS"
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$1; OUT=$2; MRUNS=$3; SPLITS=$4
for r in $MRUNS; do
  ATTACKS=addsent PARAMS="" TAG="" bash "$HERE/strip_text_class_runs.sh" "$WORK" "$OUT" "$r" "$SPLITS"
  ATTACKS=addsent PARAMS="${CAND:--p mates=2}" TAG=mates_ \
    bash "$HERE/strip_text_class_runs.sh" "$WORK" "$OUT" "$r" "$SPLITS"
done
