#!/bin/bash
# Issue 9, stop 77 (h9): after run.sh — the stored runs and truth of fresh 9220 / 9619 kept
# here, each scored as its run read it (outside_zoo_score.py --score), and the rule
# (outside_s77_h9_rule.md) read once on the union by outside_sink_keep.py --rule77 (rule77.txt
# / .json: floors, no term and the narrowed term against today, the worst family, the fresh
# ledger of 9218 + 9617 and 9219 + 9618 beside).
#   bash benchmarks/data/outside_s77_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h977/run}
D=benchmarks/data; O=$D/outside_s77_h9
A=()
for S in 9220 9619; do
  Z="$RUN/zoo-$S"; RUNS="$RUN/detect$S.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -c "$RUNS" > "$O/detect${S}_runs.jsonl.gz"
  gzip -c "$Z/truth.json" > "$O/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect${S}_score.json" > "$O/detect${S}_score.txt"
  A+=(--rows "$S=$O/detect${S}_runs.jsonl.gz,$O/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$O/" 2>/dev/null
for s in s75_h9:9218 s75_h9:9617 s76_h9:9219 s76_h9:9618; do
  A+=(--rows "${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz")
done
"$PY" benchmarks/outside_sink_keep.py --today "$O/cal_today.json" --rule77 9220,9619 \
    --narrow "$O/cal_narrow.json" --ledger 9218+9617,9219+9618,9220+9619 "${A[@]}" \
    --json "$O/rule77.json" > "$O/rule77.txt"
