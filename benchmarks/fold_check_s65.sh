# The stop-65 fold (tests, stop 65: hfc) changes no output: the built-in report formats now name
# their renderers instead of importing them in each method. One data-free `audit --report` (all
# four formats) and `scan --format` in each scan format, on one spent-seed model, with main's src
# and with this tree's; fold_check_s65.py compares them with times, dates and the BOM's serial
# number blanked. Every run writes to the same path, then is moved, so paths in reports agree.
# usage (from the worktree root): bash benchmarks/fold_check_s65.sh MODEL MAIN_SRC OUT
#   MODEL: a model folder (here zoo 2469's sig-002, h12's stop-64 zoo, spent seeds)
set -u
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
P=${P:-/work/main/.venv/bin/python}
M=$1; MAIN=$2; O=$3
W="$O/work"
for pair in "before $MAIN" "after $PWD/src"; do
  set -- $pair; tag=$1; src=$2
  mkdir -p "$O/$tag"; rm -rf "$W"
  PYTHONPATH=$src nice -n 5 "$P" -m trojanscope audit "$M" --data-free --seed 0 --report "$W" \
      --format json > "$O/$tag/audit-stdout.json" 2> "$O/$tag/audit.err"
  echo "$tag audit rc $? $(date -u +%T)"
  mv "$W" "$O/$tag/report"
  for fmt in json sarif markdown; do
    PYTHONPATH=$src nice -n 5 "$P" -m trojanscope scan "$M" --format "$fmt" \
        > "$O/$tag/scan.$fmt" 2> "$O/$tag/scan-$fmt.err"
    echo "$tag scan $fmt rc $? $(date -u +%T)"
  done
done
"$P" benchmarks/fold_check_s65.py "$O"
