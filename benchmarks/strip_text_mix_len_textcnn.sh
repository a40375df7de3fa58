#!/bin/bash
# strip-text's `mix_len` on the TextCNNs (issue 15, stop 47): a development reading, no rule.
# Makes the README's `badnl` run and docs/text.md's `addsent` run with their commands as
# written, then runs `detect-inputs RUN --triggered RUN --fpr 0.05` with and without
# `-p mix_len=100` on each (ROC-AUC and TPR at 5% FPR printed by the command), and finally the
# bound: `-p mix_len=100000` on a CSV must be one error line, exit 2, nothing on stdout.
#   bash benchmarks/strip_text_mix_len_textcnn.sh WORKDIR
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$1
mkdir -p "$WORK" && cd "$WORK" || exit 2
export PYTHONPATH=$REPO/src OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
PY=${PYTHON:-python}
ts() { nice -n 5 "$PY" -m trojanscope "$@"; }
[ -d runs/text ] || ts attack --dataset rt-polarity --arch textcnn --attack badnl --target 1 --out runs/text > attack_badnl.log 2>&1
[ -d runs/text-addsent ] || ts attack --dataset rt-polarity --arch textcnn --attack addsent --target 1 --out runs/text-addsent > attack_addsent.log 2>&1
for run in text text-addsent; do
  for p in "" "-p mix_len=100"; do
    echo "## detect-inputs runs/$run --triggered runs/$run --fpr 0.05 $p"
    # shellcheck disable=SC2086
    ts detect-inputs runs/$run --triggered runs/$run --fpr 0.05 $p --format json \
      | "$PY" -c "import json,sys; t=json.load(sys.stdin)['triggered']; print(f\"ROC-AUC {t['roc_auc']:.4f}  TPR {t['tpr_at_fpr']:.3f} at FPR {t['fpr']}  ({t['positives']} triggered, {t['negatives']} clean)\")"
  done
done
# the bound: sentences to screen (the run's own examples) and clean ones (rt-polarity test)
"$PY" - <<'PY'
import csv, json
from trojanscope.data.resolve import load_dataset
with open("incoming.csv", "w", newline="") as fh:
    w = csv.writer(fh); w.writerow(["text"])
    for e in json.load(open("runs/text/triggers.json")):
        w.writerow([e["clean"]]); w.writerow([e["triggered"]])
with open("clean.csv", "w", newline="") as fh:
    w = csv.writer(fh); w.writerow(["text"])
    w.writerows([t] for t in load_dataset("rt-polarity", "test").texts)
PY
echo "## detect-inputs runs/text incoming.csv --data clean.csv -p mix_len=100000"
ts detect-inputs runs/text incoming.csv --data clean.csv -p mix_len=100000 > bound.out 2> bound.err
echo "exit $?; stdout bytes $(wc -c < bound.out); stderr lines $(wc -l < bound.err): $(cat bound.err)"
