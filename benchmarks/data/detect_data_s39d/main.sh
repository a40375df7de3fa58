# issue 13 stop 39b: the spread_sure_z=8 candidate against the default on fresh all-to-all sets,
# one process at a time, cut by the clock (UTC): no step starts after 10:35, one running at 10:42
# is stopped. Steps: detection of base 54300's sets 16-19; retraining (seeds 0-2, both variants)
# where the flags differ; the same for base 54400; then the default alone retrained on the sets
# whose flags did not differ, while time lasts.
# Committed (f1d0710) and run as benchmarks/data/detect_data_s39b/main.sh with S=that folder, which
# already held stop 39's ART run (its main.sh, overwritten by that commit, is restored there); the
# script and its rows were moved here after the run, S changed to match, nothing else.
cd /work/wt13d
P="env OMP_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=/tmp/h13ds39/cache; R=benchmarks/bench_detect_data_retrain.py; S=benchmarks/data/detect_data_s39d
mkdir -p $S/det $S/out $S/default $C
step() {  # name, then the command's arguments after the script
 name=$1; shift
 if [ "$(date -u +%H%M)" -ge 1035 ]; then echo "not run: $name (cutoff)"; return 1; fi
 echo "$name start $(date -u +%T)"
 timeout --signal=TERM $(( $(date -u -d 10:42 +%s) - $(date -u +%s) )) $P $R "$@"
 rc=$?; echo "$name end $(date -u +%T) rc=$rc"
}
differ() { $P -c "import json,sys; print(json.load(open(sys.argv[1]))['rows'][0]['keeps_differ'])" "$1"; }
same=""
for b in 54300 54400; do
 for k in 16 17 18 19; do
  step "detect $b $k" --seed-base $b --cache $C --sets $k --variants confined,spread --detect-only \
    --json $S/det/s${b}_$k.json
 done
 for k in 16 17 18 19; do
  [ -f $S/det/s${b}_$k.json ] || continue
  if [ "$(differ $S/det/s${b}_$k.json)" = "True" ]; then
   step "retrain $b $k" --seed-base $b --cache $C --sets $k --variants confined,spread \
     --seeds 0,1,2 --json $S/out/s${b}_$k.json
  else same="$same $b:$k"; echo "flags equal: $b $k"; fi
 done
done
for bk in $same; do
 b=${bk%%:*}; k=${bk##*:}
 step "default $b $k" --seed-base $b --cache $C --sets $k --variants confined --seeds 0,1,2 \
   --json $S/default/s${b}_$k.json
done
echo "all done $(date -u +%T)"
