#!/bin/bash
# stop 68 (issue 15, h15), item 1: today's `trojanscope detect FOLDER --data CSV --format json`
# as a user runs it, on MiniLM run folders (read only), one after another (one heavy process),
# one thread, nice 5; the CSV is the recipe's 2,500-sentence rt-polarity file (md5 checked).
# Each folder's JSON goes to OUT/detect/NAME.json, its wall / CPU (user, sys) and exit to
# OUT/detect/walls.txt. DETECT_OUT and CSV_MD5 (added after the first run, which used the
# defaults) read another clean file into another folder.
#   [DETECT_OUT=DIR CSV_MD5=MD5] bash detect_all.sh CSV FOLDER...
cd /work/wt/h15 || exit 1
O=${DETECT_OUT:-benchmarks/data/text_s68_h15/detect}; mkdir -p $O
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src
CSV=$1; shift
md5=$(md5sum "$CSV" | cut -d' ' -f1)
[ "$md5" = "${CSV_MD5:-f0561a347be44d594a2934d74c1c30dc}" ] || { echo "csv md5 $md5 differs: stop" >> $O/walls.txt; exit 1; }
for f in "$@"; do
  name=$(basename "$f")
  [ -s $O/$name.json ] && continue
  /usr/bin/time -f "cpu $name wall_s %e user_s %U sys_s %S" -a -o $O/walls.txt \
    nice -n 5 /work/main/.venv/bin/python -m trojanscope -q detect "$f" --data "$CSV" --format json > $O/$name.json.part
  rc=$?; echo "exit $name $rc $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/walls.txt
  mv $O/$name.json.part $O/$name.json
done
