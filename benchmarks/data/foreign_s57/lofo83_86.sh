# stop 57 h9: today's default (V) and candidate M held out one family at a time on the stored
# runs of seeds 83-86, per seed and pooled; run in the worktree root
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
A=benchmarks/data/foreign_s56a; B=benchmarks/data/foreign_s56b; D=benchmarks/data/foreign_s57
time nice -n 5 /work/main/.venv/bin/python benchmarks/lofo_fresh.py \
 --fresh 83=$A/detect83_runs.jsonl.gz,$A/zoo-s83_truth.json.gz \
 --fresh 84=$A/detect84_runs.jsonl.gz,$A/zoo-s84_truth.json.gz \
 --fresh 85=$B/detect85_runs.jsonl.gz,$B/zoo-s85_truth.json.gz \
 --fresh 86=$B/detect86_runs.jsonl.gz,$B/zoo-s86_truth.json.gz \
 --pool 83+84=83,84 --pool 85+86=85,86 --pool 83-86=83,84,85,86 --min-lift $D/cal_M.json --json $D/lofo83_86.json
