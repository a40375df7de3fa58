# The stop-64 fold (tests, stop 64: hfc) changes no output: four `gated` runs on one spent-seed
# development model, with main's src and with this tree's, compared by fold_check_s64.py.
# The runs between them reach every step the fold touched: free_reach's, reach_round2,
# first_read (the first stage's model handed back), held_pick, fold_back, sparse_last, refit_last,
# residue_last, trigger_last, round_last (none, then run), fresh_last (searched and unlearnt),
# teach_last (run and none).
# usage (from the worktree root): bash benchmarks/fold_check_s64.sh MODEL MAIN_SRC OUT
#   MODEL: a zoo model folder (here zoo 2469's sig-002, h12's stop-64 zoo, spent seeds)
set -u
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
P=${P:-/work/main/.venv/bin/python}
M=$1; MAIN=$2; O=$3
run() {  # run SRC TAG NAME PARAMS...
  local src=$1 tag=$2 name=$3; shift 3
  mkdir -p "$O/$tag"
  PYTHONPATH=$src nice -n 5 "$P" -m trojanscope mitigate "$M" --data mnist --holdout 0.8 \
      --seed 0 -m gated "$@" --format json --no-export --out "$O/$tag/$name" --force \
      > "$O/$tag/$name.json" 2> "$O/$tag/$name.err"
  echo "$tag $name rc $? $(date -u +%T)"
}
for pair in "before $MAIN" "after $PWD/src"; do
  set -- $pair; tag=$1; src=$2
  run "$src" $tag default
  run "$src" $tag steps -p residue_last=0.1 -p trigger_last=2 -p round_last=0.2 \
      -p fresh_last=0.05 -p refit_last=2 -p reach_round2=true
  run "$src" $tag more -p first_read=0.03 -p fold_back=1 -p round_last=0.05
  run "$src" $tag first -p first_read=0.9 -p held_pick=0.2 -p sparse_last=1
done
"$P" benchmarks/fold_check_s64.py "$O"
