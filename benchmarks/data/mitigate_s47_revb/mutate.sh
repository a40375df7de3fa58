# mutate.sh: each mutation of h12b's code in a copy of the tree; which test of test_suspect_margin.py fails
set -u
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
M=/tmp/revbs47/mut
run() {  # $1 file (relative to src/trojanscope/mitigate), $2 python old, $3 python new
  rm -rf $M/src $M/tests; cp -r /work/wtrevb/src $M/src; cp -r /work/wtrevb/tests $M/tests
  /work/main/.venv/bin/python - "$M/src/trojanscope/mitigate/$1" "$2" "$3" <<'PY'
import sys
p, a, b = sys.argv[1:]
s = open(p).read(); assert s.count(a) == 1, a; open(p, "w").write(s.replace(a, b))
PY
  cd $M && PYTHONPATH=$M/src timeout 300 nice -n 5 /work/main/.venv/bin/python -m pytest -q tests/mitigate/test_suspect_margin.py -p no:cacheprovider 2>&1 | grep -E "^FAILED|passed|failed" | sed 's/ - .*//' | tr '\n' ' '
  echo "  <= $1: $2 -> $3"
}
run suspect_margin.py "& (y != suspect)" ""
run suspect_margin.py "layer.bias[suspect] -= margin" "layer.bias[suspect] -= 2 * margin"
run suspect_margin.py "if read[f\"{shift:g}\"] <= bar:" "if read[f\"{shift:g}\"] < bar:"
run suspect_margin.py "manual_seed(seed)" "manual_seed(0)"
run suspect_margin.py "lo, hi = MIX_SHARE" "lo, hi = 0.0, 0.0"
run gated.py "if not applies(model, clean):" "if False:"
run gated.py "if now.keys() == came.keys() and all(" "if False and all("
run gated.py "if self.margin <= 0:" "if self.margin < 0:"
run gated.py "MARGIN_PULL = 0.35" "MARGIN_PULL = 0.3"
run gated.py "if self.margin_asked_:" "if True:"
