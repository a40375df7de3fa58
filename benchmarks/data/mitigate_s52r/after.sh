# Issue 12, stop 52 (h12r), after the rule was read (zoos 2443-2446 are development from here):
# (1) today's default pooled over fresh zoos 2439-2446 (2439/2440's default was stop 51's
#     candidate string; 2441-2446 name it `gated`): today-2439-2446.json/.log;
# (2) on the six models that took the projected hand-back path, the repair at E=20 measured
#     with and without today's free_reach step after it (h12's dev_epochs.py): after-epochs.*
# Run from the worktree root after fresh.sh:
#   bash benchmarks/data/mitigate_s52r/after.sh
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
P=/work/main/.venv/bin/python; Z=/tmp/h12rs52; O=benchmarks/data/mitigate_s52r
A=benchmarks/data/mitigate_s51a; B=benchmarks/data/mitigate_s52
$P benchmarks/pool_default_rows.py --part $A/fresh-2439.json 2439 'gated:free_reach=0.15' \
    --part $A/fresh-2440.json 2440 'gated:free_reach=0.15' \
    --part $B/fresh-2441.json 2441 gated --part $B/fresh-2442.json 2442 gated \
    $(for S in 2443 2444 2445 2446; do echo --part $O/fresh-$S.json $S gated; done) \
    --name gated --out $O/today-2439-2446.json > $O/today-2439-2446.log
nice -n 5 $P benchmarks/data/mitigate_s52/dev_epochs.py $Z/after-epochs.json 20 \
    $Z/zoo-2443:sig-007 $Z/zoo-2444:sig-002 $Z/zoo-2444:sig-007 $Z/zoo-2445:sig-002 \
    $Z/zoo-2445:sig-007 $Z/zoo-2446:sig-002 > $Z/after-epochs.log 2>&1
cp $Z/after-epochs.json $Z/after-epochs.log $O/
