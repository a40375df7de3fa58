#!/usr/bin/env bash
# Stop 61 (hfc): what pytest-xdist's controller pays to load each tree's tests/conftest.py (it
# loads the top conftest and runs no test; its imports delay both workers' start): user and
# system CPU of importing that file alone, and whether torch came with it.
#   bash benchmarks/suite_controller_s61.sh TREE...
set -uo pipefail
py=${PYTHON:-/work/main/.venv/bin/python}
for root in "$@"; do
    OMP_NUM_THREADS=1 PYTHONPATH="$root/src" /usr/bin/time -f "$root: %U s user, %S s sys, %e s wall" \
        "$py" -c "
import importlib.util, sys
spec = importlib.util.spec_from_file_location('conftest', '$root/tests/conftest.py')
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print('$root: torch imported:', 'torch' in sys.modules)
" 2>&1
    echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
done
