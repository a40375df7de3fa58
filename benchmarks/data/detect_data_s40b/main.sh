# issue 13 stop 40b: the spread_recount candidate against the default on fresh bases 54600/54700,
# one process at a time, cut by the clock (UTC): no step starts at or after 12:55, one running at
# 13:03 is stopped and listed as not run. Per base: detection (default ``confined`` and candidate
# ``recount``) of the all-to-all sets 16-19 and the all-to-one 5% sets 1, 5, 9, 13; then retraining
# (seeds 0-2) of the all-to-all sets: both variants where the flags differ, the default alone where
# they are equal (equal kept samples give equal figures).
# Run from the worktree root: CACHE=/tmp/h13s40/fresh bash benchmarks/data/detect_data_s40b/main.sh
P="env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=${CACHE:-/tmp/h13s40/fresh}; R=benchmarks/bench_detect_data_retrain.py
S=benchmarks/data/detect_data_s40b
mkdir -p $S/det $S/out $C
step() {  # name, then the command's arguments after the script
 name=$1; shift
 if [ "$(date -u +%H%M)" -ge 1255 ]; then echo "not run: $name (cutoff)"; return 1; fi
 echo "$name start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
 timeout --signal=TERM $(( $(date -u -d 13:03 +%s) - $(date -u +%s) )) $P $R "$@"
 rc=$?; echo "$name end $(date -u +%T) rc=$rc"
}
differ() { $P -c "import json,sys; print(json.load(open(sys.argv[1]))['rows'][0]['keeps_differ'])" "$1"; }
for b in 54600 54700; do
 for k in 16 17 18 19 1 5 9 13; do
  step "detect $b $k" --seed-base $b --cache $C --sets $k --variants confined,recount --detect-only \
    --json $S/det/s${b}_$k.json
 done
 for k in 16 17 18 19; do
  [ -f $S/det/s${b}_$k.json ] || continue
  if [ "$(differ $S/det/s${b}_$k.json)" = "True" ]; then v=confined,recount; else v=confined; fi
  echo "retrain $b $k: variants $v"
  step "retrain $b $k" --seed-base $b --cache $C --sets $k --variants $v --seeds 0,1,2 \
    --json $S/out/s${b}_$k.json
 done
done
echo "all done $(date -u +%T)"
