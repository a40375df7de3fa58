#!/usr/bin/env bash
# The README's Quickstart first line, exactly as written, in a fresh clone, timed (stop 40).
#   bash benchmarks/quickstart_time.sh CLONE COMMIT      # CLONE must not exist yet
# Clones /work/main (or $QS_SOURCE) at COMMIT into CLONE, takes the README's own first line
# (venv, install with the constraints file, `demo --force`) and runs it there under the shared
# machine's rules (one torch thread, nice 5); prints its exit code and wall seconds (the demo
# prints its own time too).
set -u
clone=$1
commit=$2
git clone -q "${QS_SOURCE:-/work/main}" "$clone" && git -C "$clone" checkout -q "$commit" || exit 2
cd "$clone" || exit 2
line=$(grep -m1 '^python3 -m venv .venv && .venv/bin/pip install -c constraints.txt -e \. && ' README.md)
[ -n "$line" ] || { echo "error: README.md has no Quickstart line" >&2; exit 2; }
echo "running: $line"
start=$(date +%s.%N)
OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 nice -n 5 bash -c "$line"
rc=$?
echo "QS_RC=$rc SECONDS=$(echo "$(date +%s.%N) - $start" | bc)"
