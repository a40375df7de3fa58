# Development (stop 78, hthr): the Quickstart's demo with two threads, then one, one after the
# other, on main's code (this branch's src with OMP_NUM_THREADS set: the policy leaves a user's
# OMP_NUM_THREADS to torch); /usr/bin/time's line ends each run's stderr (dev_demo.log).
cd /tmp/hthr78/idle && uptime && for t in 2 1; do mkdir -p t$t && (cd t$t && /usr/bin/time -f "%e s wall %U user %S sys" env OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t PYTHONPATH=/work/wt/hthr/src /work/main/.venv/bin/python -m trojanscope demo --force --no-history > out.txt 2> err.txt; tail -1 err.txt; uptime); done
