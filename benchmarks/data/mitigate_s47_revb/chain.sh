set -x
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
TS=/work/main/.venv/bin/trojanscope
cd /tmp/revbs47
PYTHONPATH=/work/wtrevb/src nice -n 5 $TS mitigate runs/badnets --data clean.npz --method-param margin=0 --out fixed-m0/ --format json > m0.json
PYTHONPATH=/tmp/revbs47/old/src nice -n 5 $TS mitigate runs/badnets --data clean.npz --out fixed-old/ --format json > mold.json
PYTHONPATH=/work/wtrevb/src nice -n 5 $TS mitigate runs/badnets/model.onnx --data clean.npz --method gated --out fixed-onnx/ --format json > monnx.json
PYTHONPATH=/work/wtrevb/src nice -n 5 $TS mitigate runs/badnets/model.torchscript.pt --data clean.npz --method gated --out fixed-ts/ --format json > mts.json
PYTHONPATH=/work/wtrevb/src nice -n 5 $TS mitigate runs/badnets --data mnist --method gated --method-param force=1 --out badnets-mitigated > mforce.log
echo done
