#!/bin/bash
# stop 68 (issue 15, h15; plan.md committed before any model of this stop existed): one shared
# queue of the fine-tunes, the readings and the detects of the fresh folders, three lanes, at
# most three heavy processes (detect_all.sh's, OLD_PIDS, counted). Fine-tunes at stop 62-67's
# recipe: the 2,500-sentence rt-polarity CSV rebuilt in /tmp/h15s68/minilm (md5 checked: a
# different one stops here), lr 1e-4, 2 epochs, max_len 40, one CLI process per model, one
# thread, nice 5; addsent target 1. Readings: span_text_dump.py --part both (5:1 windows, 64 at
# most), split seed 0, saving every 10 inputs (span_text_runs.sh). A lane takes the next piece in
# the plan's order whose model is built (its CLI JSON written); every piece's wall and CPU (user,
# sys) go to walls.txt; no piece is claimed once this stop's heavy CPU (this walls.txt and
# detect/walls.txt) passes 2,900 s; the twin clean-3213 only once both backdoored models'
# readings to held-out 120 are claimed, and then only with 1.1 x this stop's longest fine-tune
# wall left before the cut and <= 2,400 CPU s spent (else skipped for good). Everything is cut
# at CUT_AT.
#   [CUT_AT=HH:MM] [OLD_PIDS="PID ..."] bash queue.sh
cd /work/wt/h15 || exit 1
W=/tmp/h15s68; M=$W/minilm; O=benchmarks/data/text_s68_h15; Q=$W/queue
mkdir -p $M $Q/claimed $Q/running
CUT=$(date -u -d "${CUT_AT:-09:05}" +%s)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
PY=$PYTHON; CSV=$M/rt-polarity-2500.csv
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a $O/walls.txt; }
left() { echo $((CUT - $(date +%s))); }
cpu() { cat $O/walls.txt $O/detect/walls.txt 2>/dev/null | awk '/^cpu /{s += $6 + $8} END {printf "%d", s}'; }
timed() {  # LABEL CMD...: CMD cut at CUT (its process group), its wall and CPU logged
  local label=$1; shift
  /usr/bin/time -f "cpu $label wall_s %e user_s %U sys_s %S" -a -o $O/walls.txt \
    timeout --signal=TERM --kill-after=20 "$(left)" "$@"; }
[ "$(left)" -gt 0 ] || { log "cut ${CUT_AT:-09:05} already past: stop"; exit 1; }
[ -f $CSV ] || $PY -c "from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$M'))"
md5=$(md5sum $CSV | cut -d' ' -f1); log "csv md5 $md5"
[ "$md5" = f0561a347be44d594a2934d74c1c30dc ] || { log "csv md5 differs: stop"; exit 1; }
built() { [ -s "$O/minilm-$1.json" ] && [ -e "$M/$1" ]; }
fit() {  # NAME CLI-ARGS...: one fine-tune (CLI JSON kept), cut at CUT
  local name=$1; shift; log "minilm-$name start"
  timed "minilm-$name" nice -n 5 $PY -m trojanscope -q "$@" --dataset $CSV \
    --arch minilm --lr 1e-4 --epochs 2 --arch-param max_len=40 --out $M/$name --format json \
    --no-export > $O/minilm-$name.json.part || { log "minilm-$name failed or cut"; return; }
  mv $O/minilm-$name.json.part $O/minilm-$name.json
  log "minilm-$name wall_s $(awk -v n="minilm-$name" '$2 == n {w = $4} END {print w}' $O/walls.txt)"; }
JOBS=("fit addsent-3212 attack --attack addsent --target 1 --seed 3212"
  "fit addsent-3213 attack --attack addsent --target 1 --seed 3213"
  "fit clean-3212 train --seed 3212"
  "3212 guard --first 125" "3212 trig" "3212 guard --start 125" "3212 neg --first 60"
  "3212 neg --start 60 --first 60"
  "3213 guard --first 125" "3213 trig" "3213 guard --start 125" "3213 neg --first 60"
  "3213 neg --start 60 --first 60"
  "twin clean-3213 train --seed 3213"
  "detect addsent-3212" "detect addsent-3213" "detect clean-3212" "detect clean-3213"
  "3212 neg --start 120 --first 65" "3212 neg --start 185"
  "3213 neg --start 120 --first 65" "3213 neg --start 185")
opened() {  # both backdoored models' readings to held-out 120 claimed (pieces 3-12)
  [ "$(ls $Q/claimed | awk '$1 >= 3 && $1 <= 12' | wc -l)" -eq 10 ]; }
longest_fit() { awk '/^cpu minilm-/{if ($4 > w) w = $4} END {printf "%d", w}' $O/walls.txt; }
busy() {  # heavy processes of this stop running: detect_all's (OLD_PIDS) and this queue's
  local n=0 p; for p in ${OLD_PIDS:-}; do kill -0 "$p" 2>/dev/null && n=$((n + 1)); done
  echo $((n + $(ls $Q/running | wc -l))); }
ready() {  # the piece's model is built (a fit: always; a twin: the gate; a detect: its folder)
  case $1 in
    fit) return 0 ;;
    twin) [ "$(longest_fit)" -gt 0 ] && [ "$(left)" -ge $(( $(longest_fit) * 11 / 10 )) ] \
            && [ "$(cpu)" -le 2400 ] ;;
    detect) built "$2" ;;
    *) built "addsent-$1" ;;
  esac; }
claim() {  # under the lock, the next free piece; a skipped twin (or an unbuilt detect at the end) is claimed as done
  local i; exec 9> $Q/lock; flock 9
  [ "$(busy)" -lt 3 ] || { flock -u 9; exec 9>&-; return; }  # three heavy already
  for i in "${!JOBS[@]}"; do
    [ -d $Q/claimed/$i ] && continue
    set -- ${JOBS[$i]}
    [ "$1" = twin ] && ! opened && continue  # not yet: the lane takes a later piece
    if [ "$1" = twin ] && ! ready "$@"; then  # the gate failed: skipped for good (its detect, piece 17, too), logged
      mkdir $Q/claimed/$i $Q/claimed/17; log "skip twin $2: $(left) s left, $(cpu) CPU s spent (gate: >= 1.1 x $(longest_fit) s left, <= 2400 CPU s)" > /dev/null
      continue; fi
    ready "$@" && mkdir $Q/claimed/$i 2>/dev/null && mkdir $Q/running/$i && { echo "$i"; break; }
  done
  flock -u 9; exec 9>&-; }
lane() {  # N: one lane, piece after piece
  local n=$1 i s
  while [ "$(left)" -gt 60 ] && [ "$(ls $Q/claimed | wc -l)" -lt ${#JOBS[@]} ]; do
    [ "$(cpu)" -le 2900 ] || { log "lane $n: CPU budget spent ($(cpu) s): stop"; break; }
    i=$(claim); [ -n "$i" ] || { sleep 20; continue; }
    set -- ${JOBS[$i]}; s=$1; shift
    echo "lane $n piece $i: $s $* $(date -u +%H:%M:%S)" >> $O/walls.txt
    case $s in
      fit|twin) fit "$@" ;;
      detect) timeout --kill-after=20 "$(left)" bash $O/as_run/detect_all.sh $CSV $M/$1 ;;
      *) JOBS="both $*" timed "read-$s-$(echo "$*" | tr ' ' '_')" bash benchmarks/span_text_runs.sh $W $O "$s:1:addsent" "0" ;;
    esac; rmdir $Q/running/$i
  done; }
log "queue start"
lane 1 & sleep 2; lane 2 & sleep 2; lane 3 & wait
log "queue end"
