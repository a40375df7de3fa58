cd /tmp/hFs40/clone
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
while kill -0 18424 2>/dev/null; do sleep 3; done
date -u
nice -n 5 .venv/bin/python /work/wtF/benchmarks/first_contact_own.py /tmp/hFs40/own --make
date -u
nice -n 5 .venv/bin/python /work/wtF/benchmarks/first_contact_own.py /tmp/hFs40/own /work/wtF/benchmarks/data/first_contact_s40/lines.txt --timeout 200
date -u
