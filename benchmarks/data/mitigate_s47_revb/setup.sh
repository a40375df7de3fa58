# setup.sh (issue 12, stop 47, review revb): a quick MLP run and 1000 clean MNIST test images, then
# docs/mitigation.md's first command line (auto -> gated on a run folder) as written, in /tmp/revbs47.
set -x
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=/work/wtrevb/src
TS=/work/main/.venv/bin/trojanscope
mkdir -p /tmp/revbs47 && cd /tmp/revbs47
nice -n 5 $TS attack --dataset mnist --arch mlp --epochs 2 --seed 7 --out /tmp/revbs47/runs/badnets > attack.log 2>&1
/work/main/.venv/bin/python -c "
from trojanscope.data.resolve import load_dataset
import numpy as np, torch
d=load_dataset('mnist','test')
g=torch.Generator().manual_seed(0); i=torch.randperm(len(d),generator=g)[:1000]
np.savez('clean.npz', x=d.x[i].numpy(), y=d.y[i].numpy())
"
time nice -n 5 $TS mitigate runs/badnets --data clean.npz --out fixed/ > m1.log 2>&1
