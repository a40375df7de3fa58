# Issue 12, stop 48 (h12a): the default's weights with dense_repair off against main's before this
# branch (08f0125f), and gated:dense_repair=2 itself against check_dense_repair.py's repaired copy.
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
P=/work/main/.venv/bin/python
D=/tmp/h12as48
mkdir -p $D/base && git archive 08f0125f src | tar -x -C $D/base
[ -f $D/digest-base.json ] || PYTHONPATH=$D/base/src nice -n 5 $P benchmarks/check_stage_params.py /tmp/h12bs47/zoo-2426 \
    --only clean-000,sparse-004,sig-007 --out $D/digest-base.json
PYTHONPATH=src nice -n 5 $P benchmarks/check_stage_params.py /tmp/h12bs47/zoo-2426 \
    --only clean-000,sparse-004,sig-007 --sets='-;dense_repair=2' --out $D/digest-branch.json
echo "all done $(date -u +%T)"
