#!/bin/bash
# The 01:03 cut: end each runner's running line (its bash and everything under it), let the
# runner log it, then end the runner. Only this session's processes, by id.
for runner in 2748 2753; do
  for child in $(pgrep -P $runner); do
    pkill -KILL -P $child 2>/dev/null   # the trojanscope process under nice/bash
    kill -KILL $child 2>/dev/null
  done
done
sleep 5
for runner in 2748 2753; do
  for child in $(pgrep -P $runner); do pkill -KILL -P $child; kill -KILL $child; done
  kill -TERM $runner 2>/dev/null
done
