#!/bin/bash
# stop 68 (issue 15, h15), after the queue: the same 23 MiniLM folders read by `detect` with
# another clean file beside, the one stop 62-63's first-contact checks gave (300 rt-polarity test
# sentences, `text,label` 0/1; stop 63's seed-71 user file /tmp/hcmd/user/clean.csv, copied,
# md5 checked), three detect_all.sh lanes side by side (three heavy processes), then the table.
#   bash detect_test300.sh
cd /work/wt/h15 || exit 1
S=/tmp/h15; C=/tmp/h15s68/clean-test-300.csv; O=benchmarks/data/text_s68_h15
[ -f $C ] || cp /tmp/hcmd/user/clean.csv $C
export DETECT_OUT=$O/detect_test300 CSV_MD5=0679997119a39b9016a1642d5b49446e
D="bash $O/as_run/detect_all.sh $C"
$D $S/fresh/minilm/addsent-320{1,2} $S/s64/minilm/{addsent,clean}-320{3,4} /tmp/h15s65/minilm/addsent-3205 &
$D /tmp/h15s65/minilm/addsent-3206 /tmp/h15s65/minilm/clean-320{5,6} /tmp/h15s66/minilm/{addsent,clean}-320{7,8} &
$D /tmp/h15s66/minilm/addsent-3209 /tmp/h15s67/minilm/{addsent,clean}-321{0,1} /tmp/h15s68/minilm/{addsent,clean}-321{2,3} &
wait
FOLDERS=$(ls -d $S/fresh/minilm/addsent-320{1,2} $S/s64/minilm/{addsent,clean}-320{3,4} \
  /tmp/h15s65/minilm/{addsent,clean}-320{5,6} /tmp/h15s66/minilm/{addsent,clean}-320{7,8} \
  /tmp/h15s66/minilm/addsent-3209 /tmp/h15s67/minilm/{addsent,clean}-321{0,1} \
  /tmp/h15s68/minilm/{addsent,clean}-321{2,3})
PYTHONPATH=src:benchmarks OMP_NUM_THREADS=1 /work/main/.venv/bin/python benchmarks/minilm_model_level.py \
  $O/detect_test300 $FOLDERS --json $O/model_level_test300.json > $O/model_level_test300.txt
