# Stop 77 (hcode): `detect --data-free` and `audit --data-free` on spent data-free models where
# stop 76's mask gate searched (hmix's rows: 205/torch-clean and 219/skl-clean lowered,
# 206/skl-bd6-r05 and 215/skl-bd7 searched, not lowered), with the `src` given (main's or this
# branch's), each report written as JSON to OUT/. Compared by gate_compare.py (timings left out).
#   bash benchmarks/data/code_s77_hcode/gate_check.sh SRC OUT
# The models copied from /tmp/h9s76/fresh/20{5,6} and /tmp/h9m76/mlp/21{5,9} to /tmp/hcode77/m.
SRC=$1; OUT=$2; M=/tmp/hcode77/m
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=$SRC
P=/work/main/.venv/bin/python
mkdir -p $OUT
for f in 205-torch-clean 206-skl-bd6-r05 215-skl-bd7 219-skl-clean; do
  /usr/bin/time -f "detect $f: %U user %S sys" $P -m trojanscope detect $M/$f.onnx --data-free \
      --format json > $OUT/detect-$f.json
done
for f in 205-torch-clean 219-skl-clean; do
  /usr/bin/time -f "audit $f: %U user %S sys" $P -m trojanscope -q audit $M/$f.onnx --data-free \
      --no-history --format json --output $OUT/audit-$f.json
done
