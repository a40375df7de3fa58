cd /tmp/hFs40/clone
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/tmp/hFs40/clone/src:/tmp/hFs40/pkgs
while ! grep -q "^RC=" /tmp/hFs40/mrun.log; do sleep 5; done
date -u
nice -n 5 .venv/bin/python benchmarks/first_contact.py /tmp/hFs40/user --model-run /tmp/hFs40/mrun/runs/badnets \
  --timeout 20 --repeat-s 8 --pages README --only '^(?!python3 -m venv|\.venv/bin/)'
date -u
nice -n 5 .venv/bin/python benchmarks/first_contact.py /tmp/hFs40/user --no-prepare --timeout 20 --repeat-s 8 \
  --only '^(?!python3 -m venv|\.venv/bin/)'
date -u
