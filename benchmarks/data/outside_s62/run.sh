#!/bin/bash
# Issue 9, stop 62 (h9): fresh outside seed S (outside_zoo.py, K per family, interleaved
# clean/backdoored; GAP-head families first, ORDER below, fixed in plan.md) built beside ONE
# scorer that takes turns until SCORE_CUT (UTC): the user's detect on each built 9204 model
# (with -p twins=N where N > 0: the stored probability is today's default, the twins' features
# join the report), then — where N > 0 — the twins of each GAP-head model of the fourth maker's
# fresh 9603 that h9m has scored (twin_wide_class.py on h9m's runs: h9m's reports are today's
# default, the twins join them). Two heavy processes at any moment, one torch thread each, nice 5.
#   TWINS=N bash benchmarks/data/outside_s62/run.sh S K BUILD_CUT SCORE_CUT
set -u
S=$1; K=$2; BUILD_CUT=$3; SCORE_CUT=$4
TWINS=${TWINS:-0}
ORDER=gap_cnn,gap_cls_relu,gap_leaky_bn,gap_relu,res_gn,dws_cnn,ln_mlp
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h9s62/run}
FOURTH=${FOURTH:-/tmp/h9ms62/run}
TOOL="$(dirname "$PY")/trojanscope"
mkdir -p "$RUN"
left() { echo $(( $(date -u -d "$1" +%s) - $(date -u +%s) )); }
timeout "$(left "$BUILD_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo.py --seed "$S" \
    --out "$RUN/zoo-$S" --per-family "$K" --order "$ORDER" >> "$RUN/build$S.log" 2>&1 &
until [ -f "$RUN/zoo-$S/truth.json" ]; do sleep 10; done
OPT=(); [ "$TWINS" -gt 0 ] && OPT=(--detect-option=-p "--detect-option=twins=$TWINS")
while [ "$(left "$SCORE_CUT")" -gt 30 ]; do
  timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/outside_zoo_score.py "$RUN/zoo-$S" \
      --out "$RUN/detect$S.jsonl" --trojanscope "$TOOL" "${OPT[@]}" >> "$RUN/score$S.log" 2>&1
  F="$FOURTH/zoo-9603"; R="$FOURTH/detect9603.jsonl"
  # (stop 62: a step started within a second of the cut got "timeout 0", which is no limit —
  # it ran 15 s past 17:05 and was stopped by hand; now a step needs 30 s left to start)
  [ "$(left "$SCORE_CUT")" -gt 30 ] || break
  if [ "$TWINS" -gt 0 ] && [ -f "$F/truth.json" ] && [ -s "$R" ]; then
    timeout "$(left "$SCORE_CUT")" nice -n 5 "$PY" benchmarks/twin_wide_class.py \
        --pop "9603=$F,$R,$F/truth.json" --twins "$TWINS" --no-frame --gap-head \
        --out "$RUN/twins9603.jsonl" >> "$RUN/twins9603.log" 2>&1
  fi
  sleep 30
done
wait
