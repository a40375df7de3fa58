# Issue 12, stop 49 (h12b): today's default from this branch (project_repair unsaid and =0) gives
# the same weights, bit for bit, as `main`'s default, on a SIG MLP that takes the projected path
# and a BadNets MLP that does not (development zoo 2430). Run from the worktree root after fresh.sh:
#   bash benchmarks/data/mitigate_s49b/digest.sh > benchmarks/data/mitigate_s49b/digest.txt 2>&1
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P="nice -n 5 /work/main/.venv/bin/python"
git log -1 --format='commit %h %cI'
PYTHONPATH=src $P benchmarks/check_stage_params.py /tmp/h12bs49/zoo-2430 --only sig-002,badnets-000 \
    --sets='-;project_repair=0' --out /tmp/h12bs49/digest-branch.json | cut -c1-110
git -C /work/main log -1 --format='main %h'
PYTHONPATH=/work/main/src $P /work/main/benchmarks/check_stage_params.py /tmp/h12bs49/zoo-2430 \
    --only sig-002,badnets-000 --sets='-' --out /tmp/h12bs49/digest-main.json | cut -c1-110
# and check_project_repair.py's "today" rows on fresh zoo 2433 (the three models it changed) are
# what `gated` run alone returns (figures after; the rows: fresh-detail-2433.json's "today")
PYTHONPATH=src $P benchmarks/check_stage_params.py /tmp/h12bs49/zoo-2433 \
    --only badnets-000,sig-002,sig-007 --sets='-' --out /tmp/h12bs49/digest-2433.json | cut -c1-80
/work/main/.venv/bin/python -c "
import json
a = json.load(open('/tmp/h12bs49/digest-2433.json'))['models']
b = json.load(open('benchmarks/data/mitigate_s49b/fresh-detail-2433.json'))['models']
for m in a:
    print(m, 'gated alone', a[m]['-']['after'], 'today row', b[m]['today'])"
