cd /tmp/hFs40/clone
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/tmp/hFs40/clone/src:/tmp/hFs40/pkgs
date -u
nice -n 5 .venv/bin/python benchmarks/first_contact.py /tmp/hFs40/user --no-prepare --timeout 20 --repeat-s 10 \
  --only '^(?!python3 -m venv|\.venv/bin/)' --pages 'detect-data|mitigation|scanner|detect-inputs|tabular|text|data\.md|audit'
date -u
nice -n 5 .venv/bin/python benchmarks/first_contact.py /tmp/hFs40/user --no-prepare --timeout 20 --repeat-s 10 \
  --only '^(?!python3 -m venv|\.venv/bin/)'
date -u
