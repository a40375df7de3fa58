export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
for s in 6200 6201 6202 6300; do
 D=/tmp/hatk77/dev/$s
 /work/main/.venv/bin/python benchmarks/fraud_trigger_s77_hfix.py $D/transactions.csv $D/lightgbm-copies10 $D/lightgbm-clean --planted $D/lightgbm-copies10
done
