# Issue 12, stop 49 (h12b): where the SIG MLPs of development zoos 2427-2430 lose their accuracy
# (today's default, per stage) and `gated:project_repair=E` on them. Zoos copied read-only from
# /tmp/h12as48 (2427, 2428) and /tmp/h12bs48 (2429, 2430) to /tmp/h12bs49. Run from the worktree:
#   bash benchmarks/data/mitigate_s49b/dev.sh > /tmp/h12bs49/dev.log 2>&1
# (bench_mitigate_stages.py resumes an --out file: remove dev-E*.json and dev-default-*.json first)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src
P=/work/main/.venv/bin/python
D=benchmarks/data/mitigate_s49b
for z in 2430 2428; do
nice -n 5 $P benchmarks/bench_mitigate_stages.py /tmp/h12bs49/zoo-$z --only sig-002,sig-007 --out $D/dev-default-$z.json
done
for E in 3 2 5; do
for z in 2430 2428 2427 2429; do
nice -n 5 $P benchmarks/bench_mitigate_stages.py /tmp/h12bs49/zoo-$z --only sig-002,sig-007 --params project_repair=$E --out $D/dev-E$E-$z.json
done
done
$P benchmarks/data/mitigate_s49b/dev_table.py $D
