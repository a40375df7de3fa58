#!/bin/bash
# score fresh seed S's clean or backdoored models apart, as they are built (issue 9, stop 56:
# h9B). At load 27 one scoring child took ~16 min (2.5% of a core) and the plan's order scores
# every family's clean model before any backdoored one, so at the 21:45 cut the scored models
# would have been nearly all clean: no family with two backdoored models to read. From ~20:50
# one loop per seed scores the clean models and one the backdoored ones, each in the plan's
# interleaved order. Each pass writes a view of the zoo (zoo-sS-KIND/: truth.json holding only
# that kind's models, links to their .pt and clean.npz) and runs the same scoring command
# (F's code, today's default) on it, into outS/detectS_KIND.jsonl; the rows keep the model's
# name, and post8x.sh joins them. bash score_split.sh 85 21:45:00 clean|backdoored
S=${1:?seed}; CUT=${2:-21:45:00}; KIND=${3:?clean or backdoored}
cd /tmp/h9Bs56/run
PY=/work/main/.venv/bin/python; F=/tmp/h9Bs56/run/F; V=zoo-s$S-$KIND
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1
mkdir -p out$S $V; ln -sf ../zoo-s$S/clean.npz $V/clean.npz
echo "loop start $(date -u +%T)"
while :; do
  left=$(( $(date -u -d "$CUT" +%s) - $(date -u +%s) ))
  [ $left -le 0 ] && break
  $PY - "$S" "$KIND" <<'PYEOF'
import json, os, sys
from pathlib import Path
s, kind = sys.argv[1], sys.argv[2]
src, view = Path(f"zoo-s{s}"), Path(f"zoo-s{s}-{kind}")
truth = json.loads((src / "truth.json").read_text())
truth["models"] = [m for m in truth["models"] if m["backdoored"] == (kind == "backdoored")]
for m in truth["models"]:
    link = view / f"{m['name']}.pt"
    if not link.exists():
        os.symlink(f"../{src.name}/{m['name']}.pt", link)
tmp = view / "truth.tmp"
tmp.write_text(json.dumps(truth, indent=1) + "\n")
tmp.replace(view / "truth.json")
PYEOF
  PYTHONPATH=$F/src:$F/benchmarks timeout $left nice -n 5 $PY $F/benchmarks/foreign_zoo_detect.py \
      $V --out out$S/detect${S}_$KIND.jsonl --interleave --rotate
  sleep 30
done
echo "loop end $(date -u +%T)"
