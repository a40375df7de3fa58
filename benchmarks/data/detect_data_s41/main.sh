# issue 13 stop 41: the ``pair_recall`` candidate (bench variant ``pairs``) against the default
# (``confined``) on fresh bases 54800/54900, one process at a time, cut by the clock (UTC): no step
# starts at or after 15:58, one running at 16:05 is stopped and listed as not run. Order: (1)
# detection of the all-to-all sets 16-19 of 54800, then of 54900; (2) detection of the all-to-one
# 5% sets 1, 5, 9, 13 of 54800; (3) retraining (seeds 0-2) of the all-to-all sets, sets 17 and 19
# of each base first, then 16 and 18: both variants where their flags differ, the default alone
# where they are equal (equal kept samples give equal figures); (4) detection of the all-to-one
# 5% sets 1, 5, 9, 13 of 54900.
# Run from the worktree root: CACHE=/tmp/h13s41/fresh bash benchmarks/data/detect_data_s41/main.sh
P="env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=${CACHE:-/tmp/h13s41/fresh}; R=benchmarks/bench_detect_data_retrain.py
S=benchmarks/data/detect_data_s41
START_CUT=${START_CUTOFF_UTC:-1558}; STOP=${STOP_UTC:-16:05}
mkdir -p $S/det $S/out $C
step() {  # name, then the command's arguments after the script
 name=$1; shift
 if [ "$(date -u +%H%M)" -ge $START_CUT ]; then echo "not run: $name (cutoff)"; return 1; fi
 echo "$name start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
 timeout --signal=TERM $(( $(date -u -d $STOP +%s) - $(date -u +%s) )) $P $R "$@"
 rc=$?; echo "$name end $(date -u +%T) rc=$rc"
}
detect() {  # base, set
 step "detect $1 $2" --seed-base $1 --cache $C --sets $2 --variants confined,pairs --detect-only \
   --json $S/det/s${1}_$2.json
}
differ() { $P -c "import json,sys; print(json.load(open(sys.argv[1]))['rows'][0]['keeps_differ'])" "$1"; }
for b in 54800 54900; do for k in 16 17 18 19; do detect $b $k; done; done
for k in 1 5 9 13; do detect 54800 $k; done
for k in 17 19 16 18; do for b in 54800 54900; do
 [ -f $S/det/s${b}_$k.json ] || continue
 if [ "$(differ $S/det/s${b}_$k.json)" = "True" ]; then v=confined,pairs; else v=confined; fi
 echo "retrain $b $k: variants $v"
 step "retrain $b $k" --seed-base $b --cache $C --sets $k --variants $v --seeds 0,1,2 \
   --json $S/out/s${b}_$k.json
done; done
for k in 1 5 9 13; do detect 54900 $k; done
echo "all done $(date -u +%T)"
