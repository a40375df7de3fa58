#!/bin/bash
# hcmd stop 62: MiniLM detect-inputs lines (about 30 forward passes per input, ~10 s an input at
# load 11) would take 40-60 min each; stopped at LIMIT seconds so the rest of the check fits.
LIMIT=${LIMIT:-420}
while true; do
  for pid in $(pgrep -f "trojanscope detect-inputs (./downloaded-hf-model/|runs/reviews-minilm)"); do
    et=$(ps -o etimes= -p $pid | tr -d ' ')
    if [ -n "$et" ] && [ "$et" -gt "$LIMIT" ]; then
      pg=$(ps -o pgid= -p $pid | tr -d ' ')
      echo "$(date -u +%H:%M:%S) stopped pid $pid (pgid $pg) at ${et} s: $(ps -o args= -p $pid | cut -c1-120)" >> /tmp/hcmds62/pauses.txt
      kill -- -$pg
    fi
  done
  sleep 10
done
