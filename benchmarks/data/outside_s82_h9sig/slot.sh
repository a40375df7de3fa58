#!/bin/bash
# Issue 9, stop 82 (h9sig): one worker per maker after the rule's commit, replacing build.sh's
# loop for that maker (WAIT: its build in flight, left to finish first). Past the gate $RUN/GO
# (made with the rule's commit) it reads every kept model of its zoo not yet read (stop 80's
# read.sh: `trojanscope detect MODEL.pt --data clean.npz -p blend=true -p sig_probe=true
# --format json`, each model once), then builds the next model of build.sh's queue for its
# maker, reads it, and so on until BUILD_CUT; after it, it reads what is left until SCORE_CUT.
# A model not read by SCORE_CUT is not read.
#   WAIT=PID bash benchmarks/data/outside_s82_h9sig/slot.sh BUILD_CUT SCORE_CUT outside|fourth
set -u
BUILD_CUT=$1; SCORE_CUT=$2; MAKER=$3
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig82/run}
HERE=benchmarks/data/outside_s82_h9sig
READ=benchmarks/data/outside_s80_h9sig/read.sh
FREQS=2,3,4,5,6,7,8,9,10,11,12
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
queue() { sed -n "s/^$1+\?=\"\(.*\)\"$/\1/p" "$HERE/build.sh" | tr ',\n' '  '; }
if [ "$MAKER" = fourth ]; then ZOO=zoo-9624; else ZOO=zoo-9226; fi
LOG="$RUN/build_$ZOO.log"
backlog() {
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  timeout "$(left "$SCORE_CUT")" bash "$READ" "$RUN" "$ZOO" >> "$RUN/score_$ZOO.log" 2>&1
}
built() { grep -q "\"name\": \"$1\"" "$RUN/$ZOO/truth.json" 2>/dev/null; }
while [ -n "${WAIT:-}" ] && kill -0 "$WAIT" 2>/dev/null; do sleep 5; done
date -u +"$ZOO slot start %T" >> "$LOG"
backlog
if [ "$MAKER" = fourth ]; then
  ORDER=$(queue FOURTH | tr -s ' ' | sed 's/^ //; s/ $//' | tr ' ' ',')
  for n in $(queue FOURTH); do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    built "$n" && continue
    /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
        "$PY" benchmarks/fourth_zoo.py --seed 9624 --out "$RUN/$ZOO" --per-family 15 \
        --order "$ORDER" --tries 3 --max 1 >> "$LOG" 2>&1
    echo "$(date -u +%T) $n done" >> "$LOG"
    backlog
  done
else
  for n in $(queue OUTSIDE); do
    [ "$(left "$BUILD_CUT")" -gt 0 ] || break
    built "$n" && continue
    /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
        "$PY" benchmarks/outside_zoo.py --seed 9226 --out "$RUN/$ZOO" --per-family 15 \
        --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$LOG" 2>&1
    echo "$(date -u +%T) $n done" >> "$LOG"
    backlog
  done
fi
date -u +"$ZOO builder stopped %T" >> "$LOG"
backlog
date -u +"$ZOO slot stopped %T" >> "$LOG"
