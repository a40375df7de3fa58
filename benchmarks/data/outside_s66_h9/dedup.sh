#!/bin/bash
# stop 66 (h9): while run.sh's scorers run, stop the younger of two scorers on the same model
# (its timeout wrapper: the scorer and its detect child end, nothing is written); log each.
while [ "$(date -u +%H%M)" -lt 0340 ]; do
  ps -eo pid,ppid,etimes,args | awk '/trojanscope detect \/tmp\/h9s66\/run\// && !/awk/ {print $1, $2, $3, $7}' \
    | sort -k4,4 -k3,3nr | awk '{ if ($4 == prev) print $1, $2, $4; prev = $4 }' \
    | while read -r pid ppid model; do
        gp=$(ps -o ppid= -p "$ppid" | tr -d ' ')
        if ps -o args= -p "$gp" | grep -q "^timeout"; then
          kill "$gp" && echo "$(date -u +%T) stopped duplicate scorer $gp on $model" >> /tmp/h9s66/run/dedup.log
        fi
      done
  sleep 15
done
