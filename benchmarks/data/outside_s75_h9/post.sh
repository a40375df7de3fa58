#!/bin/bash
# Issue 9, stop 75 (h9): after run.sh / run2.sh — the stored runs and truth of fresh 9218 / 9617
# kept here (run2.sh built the fourth maker's rest in zoo-9617b: the same seed and draws,
# another order, joined with zoo-9617 as one population 9617), today's default (C9) as the
# runs stored it (outside_zoo_score.py --score), the rule (outside_s75_h9_rule.md) read once on
# the union by outside_blend_sink.py --rule75 (rule75_sink.txt / .json), the families the term
# moves with each model's logit split (outside_family_carry.py: fresh75_carry.txt), and, beside
# and deciding nothing, every spent GAP head with the fresh union, each family held out of the
# reference (pooled75_lofo.txt).
#   bash benchmarks/data/outside_s75_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h975/run}
D=benchmarks/data; O=$D/outside_s75_h9
if [ -f "$RUN/zoo-9617b/truth.json" ]; then
  mkdir -p "$RUN/zoo-9617j" && cp "$RUN/zoo-9617/clean.npz" "$RUN/zoo-9617j/"  # the same split
  "$PY" - "$RUN" <<'PYEOF'
import json, sys
from pathlib import Path
run = Path(sys.argv[1])
parts = [z for z in ("zoo-9617", "zoo-9617b") if (run / z / "truth.json").is_file()]
truths = [json.loads((run / z / "truth.json").read_text()) for z in parts]
seen, models, dropped = set(), [], []
for t in truths:
    for key, out in (("models", models), ("dropped", dropped)):
        for m in t[key]:
            if m["name"] not in seen:
                seen.add(m["name"])
                out.append(m)
joined = {**truths[0], "models": models, "dropped": dropped, "joined": " + ".join(parts)}
(run / "zoo-9617j" / "truth.json").write_text(json.dumps(joined, indent=1) + "\n")
rows, names = [], set()
for s in ("9617", "9617b"):
    f = run / f"detect{s}.jsonl"
    for line in f.read_text().splitlines() if f.is_file() else []:
        if line.strip() and json.loads(line)["name"] not in names:
            names.add(json.loads(line)["name"])
            rows.append(line)
(run / "detect9617j.jsonl").write_text("".join(r + "\n" for r in rows))
PYEOF
fi
A=()
for S in 9218 9617; do
  Z="$RUN/zoo-$S"; RUNS="$RUN/detect$S.jsonl"
  [ "$S" = 9617 ] && [ -d "$RUN/zoo-9617j" ] && Z="$RUN/zoo-9617j" && RUNS="$RUN/detect9617j.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -c "$RUNS" > "$O/detect${S}_runs.jsonl.gz"
  gzip -c "$Z/truth.json" > "$O/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log score${S}b.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect${S}_score.json" > "$O/detect${S}_score.txt"
  A+=(--rows "$S=$O/detect${S}_runs.jsonl.gz,$O/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$O/" 2>/dev/null
"$PY" benchmarks/outside_blend_sink.py --rule75 9218,9617 --today "$O/cal_C9_before.json" \
    --candidate "$O/cal_C9_sink.json" "${A[@]}" --json "$O/rule75_sink.json" > "$O/rule75_sink.txt"
for fam in res_gap dws_gap gap_cnn gap_cls_relu; do
  "$PY" benchmarks/outside_family_carry.py --family $fam \
      --cal C9="$O/cal_C9_before.json" --cal C9+sink="$O/cal_C9_sink.json" "${A[@]}" 2>&1
done > "$O/fresh75_carry.txt"
# beside, deciding nothing: every spent GAP head (dev.sh's rows) with the fresh union, each
# family held out of the reference
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612 s71_h9r:9214 s71_h9r:9613 s72_h9:9215 s72_h9:9614 \
         s73_h9:9216 s73_h9:9615 s74_h9:9217 s74_h9:9616; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
"$PY" benchmarks/outside_blend_sink.py --lofo --today "$O/cal_C9_before.json" $DEV "${A[@]}" \
    > "$O/pooled75_lofo.txt"
