#!/usr/bin/env bash
# Issue 12, stop 80, hgd: the fresh read of rule.md (users' draws 356-375), from the worktree
# root. Two processes (356-365, 366-375): today's line on each of its ten draws first, then the
# candidate's second run where today's guard stopped; then the rule on all the lines.
# Usage: fresh.sh (both halves, then the rule) | fresh.sh a | fresh.sh b | fresh.sh rule
set -u
export PYTHONPATH=src:benchmarks OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/hgd80/run}   # the README's BadNets run, rebuilt (rule.md)
W=${W:-/tmp/hgd80/fresh}     # the builder's clean.npz files
D=benchmarks/data/mitigate_s80_hgd
S=benchmarks/mitigate_second_split_s80_hgd.py

half() {  # $1 seeds, $2 a or b
  /usr/bin/time -a -o "$D/fresh_time.txt" -f "$1 today: %U user %S sys %e wall" \
    nice -n 5 "$PY" "$S" run --run "$RUN" --work "$W" --seeds "$1" --arms today \
    --lines "$D/fresh_$2.jsonl" > "/tmp/hgd80/fresh_$2.log" 2>&1
  date -u "+$1 today done %H:%M:%S" >> "$D/fresh_time.txt"
  /usr/bin/time -a -o "$D/fresh_time.txt" -f "$1 second: %U user %S sys %e wall" \
    nice -n 5 "$PY" "$S" second --run "$RUN" --work "$W" --today "$D/fresh_$2.jsonl" \
    --lines "$D/fresh_$2_second.jsonl" >> "/tmp/hgd80/fresh_$2.log" 2>&1
  date -u "+$1 second done %H:%M:%S" >> "$D/fresh_time.txt"
}

judge() {
  touch "$D/fresh_a_second.jsonl" "$D/fresh_b_second.jsonl"
  "$PY" "$S" rule "$D/fresh_a.jsonl" "$D/fresh_b.jsonl" "$D/fresh_a_second.jsonl" \
    "$D/fresh_b_second.jsonl" > "$D/rule_out.txt"
}

case "${1:-all}" in  # a, b: one half (as run: a at once, b when the last development run ended)
  a) date -u "+start a %H:%M:%S" >> "$D/fresh_time.txt"; half 356-365 a ;;
  b) date -u "+start b %H:%M:%S" >> "$D/fresh_time.txt"; half 366-375 b ;;
  rule) judge ;;
  *) date -u "+start %H:%M:%S" >> "$D/fresh_time.txt"; half 356-365 a & half 366-375 b & wait
     judge ;;
esac
