#!/bin/bash
# after lines_bad's runner: the tokenizer folders rebuilt, the tests near the fixes (one process),
# the bad inputs again, then the rest of the lines
while kill -0 23159 2>/dev/null; do sleep 3; done
echo "$(date -u +%H:%M:%S) end lines_bad; tokenizer folders rebuilt; tests start" >> /tmp/hcmds62/pauses.txt
cd /tmp/hcmds62/work
mv big-tok-hf-model five-tok-hf-model && rm -rf other-tok-hf-model
for spec in big-tok-hf-model:31000 other-tok-hf-model:60; do
  name=${spec%%:*}; n=${spec##*:}
  cp -r downloaded-hf-model $name && rm $name/tokenizer.json
  { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for i in $(seq 0 $((n-1))); do echo "tok$i"; done; } > $name/vocab.txt
done
wc -l big-tok-hf-model/vocab.txt other-tok-hf-model/vocab.txt >> /tmp/hcmds62/pauses.txt
cd /work/wthcmd
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PYTHONPATH=src timeout 1500 nice -n 5 /work/main/.venv/bin/python -m pytest tests/text/test_text_detect.py tests/cli/test_manifest_data.py "tests/io/test_hf_load.py::test_bad_folders_are_one_error_line" -q -p no:randomly -n 0 --durations=12 > /tmp/hcmds62/pytest1.log 2>&1
echo "$(date -u +%H:%M:%S) tests end (rc $?)" >> /tmp/hcmds62/pauses.txt
TO=1200 /tmp/hcmds62/chain.sh lines_bad2.txt lines_minilm.txt lines_rest.txt lines_late.txt
