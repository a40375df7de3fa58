#!/bin/bash
# stop 67 (issue 15, h15; plan.md committed before any model of this stop existed): one shared
# queue of the fine-tunes and the readings, three lanes, one heavy process per lane (so at most
# three). Fine-tunes at stop 62-66's recipe: the 2,500-sentence rt-polarity CSV rebuilt in
# /tmp/h15s67/minilm (md5 checked: a different one stops here), lr 1e-4, 2 epochs, max_len 40,
# one CLI process per model, one thread, nice 5. 3209 (trained at stop 66) is linked read-only
# from /tmp/h15s66. Readings: span_text_dump.py --part both (5:1 windows, 64 at most), split
# seed 0, saving every 10 inputs (span_text_runs.sh). A lane takes the next piece in the plan's
# order whose model is built (its CLI JSON written); every piece's wall and CPU (user, sys) go
# to walls.txt; no piece is claimed past the CPU budget (3,500 s); a twin only once every
# backdoored model's reading to held-out 120 is claimed (till then a lane takes the later
# pieces), and then only with >= 2,400 s left before the cut and <= 2,900 CPU s spent (else
# skipped for good). Every fine-tune and reader is cut at CUT_AT.
#   [CUT_AT=HH:MM] bash queue.sh
cd /work/wt/h15 || exit 1
W=/tmp/h15s67; M=$W/minilm; O=benchmarks/data/text_s67_h15; Q=$W/queue
mkdir -p $M $Q/claimed
CUT=$(date -u -d "${CUT_AT:-06:45}" +%s)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
export PYTHON=/work/main/.venv/bin/python WINDOWS=5:1 MAXSPANS=64
PY=$PYTHON; CSV=$M/rt-polarity-2500.csv
log() { echo "$* $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" | tee -a $O/walls.txt; }
left() { echo $((CUT - $(date +%s))); }
cpu() { awk '/^cpu /{s += $6 + $8} END {printf "%d", s}' $O/walls.txt; }  # heavy CPU so far
timed() {  # LABEL CMD...: CMD cut at CUT (its process group), its wall and CPU logged
  local label=$1; shift
  /usr/bin/time -f "cpu $label wall_s %e user_s %U sys_s %S" -a -o $O/walls.txt \
    timeout --signal=TERM --kill-after=20 "$(left)" "$@"; }
[ "$(left)" -gt 0 ] || { log "cut ${CUT_AT:-06:45} already past: stop"; exit 1; }
[ -f $CSV ] || $PY -c "from pathlib import Path; from bench_text_attacks import subsample_csv; subsample_csv('rt-polarity', 2500, Path('$M'))"
md5=$(md5sum $CSV | cut -d' ' -f1); log "csv md5 $md5"
[ "$md5" = f0561a347be44d594a2934d74c1c30dc ] || { log "csv md5 differs: stop"; exit 1; }
[ -e $M/addsent-3209 ] || ln -s /tmp/h15s66/minilm/addsent-3209 $M/addsent-3209
[ -s $O/minilm-addsent-3209.json ] || cp benchmarks/data/text_s66_h15/minilm-addsent-3209.json $O/
built() { [ -s "$O/minilm-addsent-$1.json" ] && [ -e "$M/addsent-$1" ]; }
fit() {  # NAME CLI-ARGS...: one fine-tune (CLI JSON kept), cut at CUT
  local name=$1; shift; log "minilm-$name start"
  timed "minilm-$name" nice -n 5 $PY -m trojanscope -q "$@" --dataset $CSV \
    --arch minilm --lr 1e-4 --epochs 2 --arch-param max_len=40 --out $M/$name --format json \
    --no-export > $O/minilm-$name.json.part || { log "minilm-$name failed or cut"; return; }
  mv $O/minilm-$name.json.part $O/minilm-$name.json
  log "minilm-$name wall_s $(awk -v n="minilm-$name" '$2 == n {w = $4} END {print w}' $O/walls.txt)"; }
JOBS=("fit addsent-3210 attack --attack addsent --target 0 --seed 3210"
  "fit addsent-3211 attack --attack addsent --target 0 --seed 3211"
  "3209 guard --first 125" "3209 trig" "3209 guard --start 125"
  "3209 neg --first 60" "3209 neg --start 60 --first 60"
  "3210 guard --first 125" "3211 guard --first 125" "3210 trig" "3211 trig"
  "3210 guard --start 125" "3211 guard --start 125" "3210 neg --first 60" "3211 neg --first 60"
  "3210 neg --start 60 --first 60" "3211 neg --start 60 --first 60"
  "twin clean-3210 train --seed 3210" "twin clean-3211 train --seed 3211"
  "3209 neg --start 120 --first 65" "3210 neg --start 120 --first 65"
  "3211 neg --start 120 --first 65"
  "3209 neg --start 185" "3210 neg --start 185" "3211 neg --start 185")
opened() {  # every backdoored model's reading to held-out 120 claimed (pieces 2-16)
  [ "$(ls $Q/claimed | awk '$1 >= 2 && $1 <= 16' | wc -l)" -eq 15 ]; }
ready() {  # the piece's model is built (a fit: always; a twin: the gate)
  case $1 in
    fit) return 0 ;;
    twin) [ "$(left)" -ge 2400 ] && [ "$(cpu)" -le 2900 ] ;;
    *) built "$1" ;;
  esac; }
claim() {  # under the lock, the next free piece; a skipped twin is claimed as done
  local i; exec 9> $Q/lock; flock 9
  for i in "${!JOBS[@]}"; do
    [ -d $Q/claimed/$i ] && continue
    set -- ${JOBS[$i]}
    [ "$1" = twin ] && ! opened && continue  # not yet: the lane takes a later piece
    if [ "$1" = twin ] && ! ready "$@"; then  # the gate failed: skipped for good, logged
      mkdir $Q/claimed/$i; log "skip twin $2: $(left) s left, $(cpu) CPU s spent (gate: >= 2400 s left, <= 2900 CPU s)" > /dev/null
      continue; fi
    ready "$@" && mkdir $Q/claimed/$i 2>/dev/null && { echo "$i"; break; }
  done
  flock -u 9; exec 9>&-; }
lane() {  # N: one lane, piece after piece
  local n=$1 i s
  while [ "$(left)" -gt 60 ] && [ "$(ls $Q/claimed | wc -l)" -lt ${#JOBS[@]} ]; do
    [ "$(cpu)" -le 3500 ] || { log "lane $n: CPU budget spent ($(cpu) s): stop"; break; }
    i=$(claim); [ -n "$i" ] || { sleep 20; continue; }
    set -- ${JOBS[$i]}; s=$1; shift
    echo "lane $n piece $i: $s $* $(date -u +%H:%M:%S)" >> $O/walls.txt
    if [ "$s" = fit ] || [ "$s" = twin ]; then fit "$@"; continue; fi
    JOBS="both $*" timed "read-$s-$(echo "$*" | tr ' ' '_')" bash benchmarks/span_text_runs.sh $W $O "$s:0:addsent" "0"
  done; }
log "queue start"
lane 1 & sleep 2; lane 2 & sleep 2; lane 3 & wait
log "queue end"
