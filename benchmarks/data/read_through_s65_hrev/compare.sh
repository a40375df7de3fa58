#!/bin/bash
# Stop 65 hrev: scan, bom and the loader's choice for each model path under the base 402533a8
# and this tree; prints "same" or "DIFF" per output (timestamps, serial numbers, durations
# dropped). Usage: compare.sh OUT PATH...   (run from the repository root)
set -u
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
out=$1; shift
py=/work/main/.venv/bin/python
here=$(dirname "$0")
mkdir -p "$out/base" "$out/cmp"
git archive 402533a8 src | tar -x -C "$out/base"
for side in base new; do
  src=src; [ "$side" = base ] && src="$out/base/src"
  for p in "$@"; do
    n=$(echo "$p" | tr '/' '_')
    PYTHONPATH=$src nice -n 5 timeout 200 $py -m trojanscope scan "$p" --format json \
      > "$out/cmp/$n.scan.$side" 2>&1; echo "rc=$?" >> "$out/cmp/$n.scan.$side"
    if [ -d "$p" ]; then
      PYTHONPATH=$src nice -n 5 timeout 200 $py -m trojanscope bom "$p" \
        > "$out/cmp/$n.bom.$side" 2>&1; echo "rc=$?" >> "$out/cmp/$n.bom.$side"
    fi
  done
  PYTHONPATH=$src nice -n 5 timeout 600 $py "$here/which_loader.py" "$@" 2>&1 \
    | grep -v Warning > "$out/cmp/loader.$side"
done
drop='"timestamp"\|"serialNumber"\|duration_s'
for f in "$out"/cmp/*.base; do
  n=${f%.base}
  if diff -q <(grep -v "$drop" "$n.base") <(grep -v "$drop" "$n.new") > /dev/null; then
    echo "same $(basename "$n")"
  else
    echo "DIFF $(basename "$n")"
  fi
done
