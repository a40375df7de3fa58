# Issue 12, stop 49 (h12f): today's default from this branch (hand_projected unsaid and =0) against
# main before this branch (bbb3bf02): SHA-256 of the purified state dicts on zoo-2433's clean-000,
# badnets-000 (the kept-projection hand-back), sig-002 (the same path, a SIG MLP) and blended-001
# (the ordinary path). Run from the worktree root after fresh.sh:
#   bash benchmarks/data/mitigate_s49f/digest.sh > benchmarks/data/mitigate_s49f/digest.txt 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
D=/tmp/h12fs49
O=benchmarks/data/mitigate_s49f
Z=/tmp/h12bs49/zoo-2433
M=clean-000,badnets-000,sig-002,blended-001
git log -1 --format='commit %h %cI'
mkdir -p $D/base && git archive bbb3bf02 src | tar -x -C $D/base
[ -f $D/digest-base.json ] || PYTHONPATH=$D/base/src nice -n 5 $P benchmarks/check_stage_params.py $Z \
    --only $M --out $D/digest-base.json > /dev/null
PYTHONPATH=src nice -n 5 $P benchmarks/check_stage_params.py $Z \
    --only $M --sets='-;hand_projected=0' --out $D/digest-branch.json > /dev/null
cp $D/digest-base.json $D/digest-branch.json $O/
$P $O/digest_compare.py
