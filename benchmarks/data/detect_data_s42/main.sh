# issue 13 stop 42: ``pair_recall`` + ``outside_pure`` (bench variant ``mended``) and each alone
# (``pairs``, ``outpure``) against the default (``confined``) on fresh bases 55000/55100, one process
# at a time, cut by the clock (UTC): no step starts at or after 19:40, one running at 19:47 is
# stopped and listed as not run. Order (plan.md): (1) detection of the all-to-all sets 16-19 of
# 55000, then 55100; (2) retraining (seeds 0-2, ``confined`` and ``mended``) of the first two
# all-to-all sets in ORDER whose flags differ; (3) detection of the all-to-one 5% sets 1, 5, 9, 13
# of 55000, then 55100; (4) retraining of the other all-to-all sets in ORDER: both variants where
# their flags differ, the default alone where equal; (5) detection of the all-to-one 10%/20% sets
# 2, 6, 10, 14, 3, 7, 11, 15 of 55000.
# Run from the worktree root: CACHE=/tmp/h13s42/fresh bash benchmarks/data/detect_data_s42/main.sh
P="env OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src nice -n 5 /work/main/.venv/bin/python"
C=${CACHE:-/tmp/h13s42/fresh}; R=benchmarks/bench_detect_data_retrain.py
S=benchmarks/data/detect_data_s42
START_CUT=${START_CUTOFF_UTC:-1940}; STOP=${STOP_UTC:-19:47}
mkdir -p $S/det $S/out $C
step() {  # name, then the command's arguments after the script
 name=$1; shift
 if [ "$(date -u +%H%M)" -ge $START_CUT ]; then echo "not run: $name (cutoff)"; return 1; fi
 echo "$name start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)"
 timeout --signal=TERM $(( $(date -u -d $STOP +%s) - $(date -u +%s) )) $P $R "$@"
 rc=$?; echo "$name end $(date -u +%T) rc=$rc"
}
detect() {  # base, set
 step "detect $1 $2" --seed-base $1 --cache $C --sets $2 --variants confined,mended,pairs,outpure \
   --detect-only --json $S/det/s${1}_$2.json
}
differ() { $P -c "import json,sys; print(json.load(open(sys.argv[1]))['rows'][0]['keeps_differ'])" "$1"; }
retrain() {  # base, set: both variants where their flags differ, the default alone where equal
 [ -f $S/det/s${1}_$2.json ] && [ ! -f $S/out/s${1}_$2.json ] || return 1
 if [ "$(differ $S/det/s${1}_$2.json)" = "True" ]; then v=confined,mended; else v=confined; fi
 echo "retrain $1 $2: variants $v"
 step "retrain $1 $2" --seed-base $1 --cache $C --sets $2 --variants $v --seeds 0,1,2 \
   --json $S/out/s${1}_$2.json
}
ORDER="55000:17 55100:17 55000:19 55100:19 55000:16 55100:16 55000:18 55100:18"
for b in 55000 55100; do for k in 16 17 18 19; do detect $b $k; done; done
n=0; for bk in $ORDER; do  # (2) the first two all-to-all sets (ORDER) whose flags differ
 [ $n -ge 2 ] && break
 f=$S/det/s${bk%:*}_${bk#*:}.json; [ -f $f ] && [ "$(differ $f)" = "True" ] || continue
 retrain ${bk%:*} ${bk#*:} && n=$((n+1))
done
for b in 55000 55100; do for k in 1 5 9 13; do detect $b $k; done; done
for bk in $ORDER; do retrain ${bk%:*} ${bk#*:}; done
for k in 2 6 10 14 3 7 11 15; do detect 55000 $k; done
echo "all done $(date -u +%T)"
