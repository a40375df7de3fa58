#!/bin/bash
# lines_main's runner is stopped when it reaches the reviews-minilm detect-inputs line (a MiniLM
# strip-text over 400 inputs: 40+ min at load 10); then the bad inputs, step 3, the TextCNN
# attack lines (docs/text.md:22-25) and the long lines
while ! pgrep -f "trojanscope detect-inputs runs/reviews-minilm" > /dev/null; do
  pgrep -f "lines /tmp/hcmds62/lines_main.txt" > /dev/null || break; sleep 5; done
pid=$(pgrep -f "trojanscope detect-inputs runs/reviews-minilm")
if [ -n "$pid" ]; then
  echo "$(date -u +%H:%M:%S) stopped lines_main's runner and its line 19 (detect-inputs runs/reviews-minilm) at its start; lines 20-23 moved to lines_rest" >> /tmp/hcmds62/pauses.txt
  kill $(pgrep -f "lines /tmp/hcmds62/lines_main.txt"); kill -- -$(ps -o pgid= -p $pid | tr -d ' ')
fi
sleep 2
TO=1200 /tmp/hcmds62/chain.sh lines_bad.txt lines_minilm.txt lines_rest.txt lines_late.txt
