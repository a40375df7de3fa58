# chain2.sh (revb): the default again with the same seed (same weights?), and bad values (one line, exit 2)
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wtrevb/src
TS=/work/main/.venv/bin/trojanscope
cd /tmp/revbs47
for v in margin=-1 margin=6 margin=nan margin_pull=-0.1 margin=abc margin_pull=11; do
  $TS mitigate runs/badnets --data clean.npz --method-param $v --out bad/; echo "rc=$?"; done
nice -n 5 $TS mitigate runs/badnets --data clean.npz --out fixed-again/ --format json > again.json
echo done
