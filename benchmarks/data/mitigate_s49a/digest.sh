# Issue 12, stop 49 (h12a): today's default from this branch (guard_trips unsaid and said at its
# default, 2) against main before this branch (0691e18a): SHA-256 of the purified state dicts, on
# two models whose second stage the CA guard ends (2429/badnets-005, sparse-009), one whose stage
# runs all its rounds (2429/badnets-000) and a clean one (gated out). Run from the worktree root:
#   bash benchmarks/data/mitigate_s49a/digest.sh > benchmarks/data/mitigate_s49a/digest.txt 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
D=/tmp/h12as49
Z=/tmp/h12bs48/zoo-2429
M=clean-000,badnets-000,badnets-005,sparse-009
git log -1 --format='commit %h %cI'
mkdir -p $D/base && git archive 0691e18a src | tar -x -C $D/base
[ -f $D/digest-base.json ] || PYTHONPATH=$D/base/src nice -n 5 $P benchmarks/check_stage_params.py $Z \
    --only $M --out $D/digest-base.json > /dev/null
PYTHONPATH=src nice -n 5 $P benchmarks/check_stage_params.py $Z \
    --only $M --sets='-;guard_trips=2' --out $D/digest-branch.json > /dev/null
cp $D/digest-base.json $D/digest-branch.json benchmarks/data/mitigate_s49a/
$P benchmarks/data/mitigate_s49a/digest_compare.py
