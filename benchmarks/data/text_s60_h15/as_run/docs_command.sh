#!/bin/bash
# stop 60: docs/text.md's hub-folder detect-inputs line, run as written on fresh addsent-3198's
# folder copied without trojanscope's files (text_docs_inputs.py: 60 clean sentences, 10 clean
# + 10 triggered incoming), from the folder holding the files; wall time and exit status kept.
cd /work/wth15 || exit 1
O=$PWD/benchmarks/data/text_s60_h15; D=/tmp/h15s60/docs3198
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$PWD/src:$PWD/benchmarks
nice -n 5 /work/main/.venv/bin/python benchmarks/text_docs_inputs.py /tmp/h15s60/fresh/minilm/addsent-3198 $D --clean 60 --incoming 10 --triggered 10 || exit 1
cp $D/incoming_key.csv $O/docs_command_key.csv
cd $D || exit 1
echo "start $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" > $O/docs_command.txt
t0=$(date +%s.%N)
PATH=/work/main/.venv/bin:$PATH nice -n 5 trojanscope detect-inputs ./downloaded-hf-model/ incoming.csv --data clean.csv >> $O/docs_command.txt 2>&1
rc=$?
echo "rc $rc wall_s $(echo "$(date +%s.%N) - $t0" | bc) end $(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)" >> $O/docs_command.txt
