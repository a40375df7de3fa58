#!/bin/bash
# Issue 9, stop 76 (h9): after run.sh / run2.sh / run3.sh — the stored runs and truth of fresh 9219 / 9618 kept
# here, today's shipped file as the runs stored it (outside_zoo_score.py --score), and the rule
# (outside_s76_h9_rule.md) read once on the union by outside_sink_fine.py --rule76
# (rule76.txt / .json: the floors, the heads read apart, the backdoors aimed at 0 or 8 counted
# apart, stop 72's seven points, the worst family).
#   bash benchmarks/data/outside_s76_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h976/run}
O=benchmarks/data/outside_s76_h9
# run3.sh built the fourth maker's rest in zoo-9618b (the same seed and draws, another order):
# joined with zoo-9618 as one population 9618 (stop 75's post.sh join; the same clean split)
if [ -f "$RUN/zoo-9618b/truth.json" ]; then
  mkdir -p "$RUN/zoo-9618j" && cp "$RUN/zoo-9618/clean.npz" "$RUN/zoo-9618j/"
  cmp -s "$RUN/zoo-9618/clean.npz" "$RUN/zoo-9618b/clean.npz" || echo "note: clean.npz differ"
  "$PY" - "$RUN" <<'PYEOF'
import json, sys
from pathlib import Path
run = Path(sys.argv[1])
parts = [z for z in ("zoo-9618", "zoo-9618b") if (run / z / "truth.json").is_file()]
truths = [json.loads((run / z / "truth.json").read_text()) for z in parts]
seen, models, dropped = set(), [], []
for t in truths:
    for key, out in (("models", models), ("dropped", dropped)):
        for m in t[key]:
            if m["name"] not in seen:
                seen.add(m["name"])
                out.append(m)
joined = {**truths[0], "models": models, "dropped": dropped, "joined": " + ".join(parts)}
(run / "zoo-9618j" / "truth.json").write_text(json.dumps(joined, indent=1) + "\n")
rows, names = [], set()
for s in ("9618", "9618b"):
    f = run / f"detect{s}.jsonl"
    for line in f.read_text().splitlines() if f.is_file() else []:
        if line.strip() and json.loads(line)["name"] not in names:
            names.add(json.loads(line)["name"])
            rows.append(line)
(run / "detect9618j.jsonl").write_text("".join(r + "\n" for r in rows))
PYEOF
fi
A=()
for S in 9219 9618; do
  Z="$RUN/zoo-$S"; RUNS="$RUN/detect$S.jsonl"
  [ "$S" = 9618 ] && [ -d "$RUN/zoo-9618j" ] && Z="$RUN/zoo-9618j" && RUNS="$RUN/detect9618j.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -c "$RUNS" > "$O/detect${S}_runs.jsonl.gz"
  gzip -c "$Z/truth.json" > "$O/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log score${S}b.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect${S}_score.json" > "$O/detect${S}_score.txt"
  A+=(--rows "$S=$O/detect${S}_runs.jsonl.gz,$O/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$O/" 2>/dev/null
"$PY" benchmarks/outside_sink_fine.py --rule76 9219,9618 --today "$O/cal_today.json" \
    --candidate "$O/cal_trait_sets.json" "${A[@]}" --json "$O/rule76.json" > "$O/rule76.txt"
