# Issue 12, stop 48 (h12b): today's default from this branch (with margin=0 said and unsaid) gives
# the same weights, bit for bit, as the default before it (zoo-2423's models cached by cache.sh
# from 08f0125f: cache.log). Run from the worktree root after fresh.sh:
#   bash benchmarks/data/mitigate_s48b/digest.sh > benchmarks/data/mitigate_s48b/digest.txt 2>&1
export PYTHONPATH=src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P="nice -n 5 /work/main/.venv/bin/python"
git log -1 --format='commit %h %cI'
$P benchmarks/digest_cached_states.py /tmp/h12as47/zoo-2423 /tmp/h12bs48/cache/2423 --only sig-002,sparse-009
$P benchmarks/check_stage_params.py /tmp/h12as47/zoo-2423 --only sig-002,sparse-009 --sets='-;margin=0' \
    --out /tmp/h12bs48/digest-branch.json | cut -c1-120
