#!/bin/bash
# Issue 9, stop 80 (h9sig): a second build slot on build.sh's queue (each model claimed by one
# worker: mkdir $RUN/claim/NAME), started when the development builds (dev.sh) end; it builds
# into its own folders (zoo-9224b, zoo-9623-zoo-9224b) and, past the gate $RUN/GO (made after
# the rule's commit), reads (read.sh) the zoos named READS after each build; after BUILD_CUT it
# reads them until they hold nothing unread or SCORE_CUT. Reads are split between slots by zoo
# folder, so no model is read twice. WAIT: a build in flight into ZOO to wait for first (build.sh's,
# whose loop this slot replaces).
#   WAIT=PID bash benchmarks/data/outside_s80_h9sig/slot.sh BUILD_CUT SCORE_CUT ZOO "READS"
set -u
BUILD_CUT=$1; SCORE_CUT=$2; ZOO=$3; READS=$4
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9sig80/run}
HERE=benchmarks/data/outside_s80_h9sig
FREQS=2,3,4,5,6,7,8,9,10,11,12
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
QUEUE=$(sed -n 's/^QUEUE+\?="\(.*\)"$/\1/p' "$HERE/build.sh" | tr '\n' ' ')
backlog() {
  [ "$(left "$SCORE_CUT")" -gt 0 ] || return 0
  for z in $READS; do
    timeout "$(left "$SCORE_CUT")" bash "$HERE/read.sh" "$RUN" "$z" >> "$RUN/score_$z.log" 2>&1
  done
}
while [ -n "${WAIT:-}" ] && kill -0 "$WAIT" 2>/dev/null; do sleep 5; done
date -u +"$ZOO slot start %T" >> "$RUN/build_$ZOO.log"
backlog
for n in $QUEUE; do
  [ "$(left "$BUILD_CUT")" -gt 0 ] || break
  mkdir "$RUN/claim/$n" 2>/dev/null || continue
  if [ "${n%%:*}" = fourth ]; then
    /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
        "$PY" benchmarks/fourth_zoo.py --seed 9623 --out "$RUN/zoo-9623-$ZOO" --per-family 15 \
        --order "${n#fourth:}" --tries 3 --max 1 >> "$RUN/build_zoo-9623-$ZOO.log" 2>&1
  else
    /usr/bin/time -f "%e s wall %U user %S sys" nice -n 5 \
        "$PY" benchmarks/outside_zoo.py --seed 9224 --out "$RUN/$ZOO" --per-family 15 \
        --names "$n" --ca-retry --tries 3 --sig-freqs "$FREQS" >> "$RUN/build_$ZOO.log" 2>&1
  fi
  echo "$(date -u +%T) $n done" >> "$RUN/build_$ZOO.log"
  backlog
done
date -u +"$ZOO builder stopped %T" >> "$RUN/build_$ZOO.log"
while [ "$(left "$SCORE_CUT")" -gt 0 ]; do
  [ -f "$RUN/GO" ] && { backlog; break; }
  sleep 20
done
date -u +"$ZOO slot stopped %T" >> "$RUN/build_$ZOO.log"
