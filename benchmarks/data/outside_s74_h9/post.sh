#!/bin/bash
# Issue 9, stop 74 (h9): after run.sh — the stored runs and truth of fresh 9217 / 9616 kept
# here, today's default (C7) as the runs stored it (outside_zoo_score.py --score), the rule
# (outside_s74_h9_rule.md) read once on the union by outside_c8_rule.py --name C9 --stop74 (C9
# against C7, C5 beside; the floors and the zone floor), the fresh heads C7 and C5 read apart
# (outside_lean_zone.py), the worst family's carriers (outside_family_carry.py), and, beside
# and deciding nothing, every spent GAP head and the fresh union pooled.
#   bash benchmarks/data/outside_s74_h9/post.sh
set -u
cd "$(dirname "$0")/../../.."
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks
PY=${PY:-/work/main/.venv/bin/python}
RUN=${RUN:-/tmp/h974/run}
D=benchmarks/data; O=$D/outside_s74_h9
CALS=(--candidate "$O/cal_C9_now.json" --beside "$O/cal_C5_s74.json")
# run2.sh / run3.sh built the fourth maker's rest in zoo-9616b / zoo-9616c (the same seed and
# draws, other orders): joined here with zoo-9616 as one population, 9616 (truth's models and
# dropped, runs in order; a name built twice kept once, its first)
if [ -f "$RUN/zoo-9616b/truth.json" ] || [ -f "$RUN/zoo-9616c/truth.json" ]; then
  mkdir -p "$RUN/zoo-9616j" && cp "$RUN/zoo-9616/clean.npz" "$RUN/zoo-9616j/"  # the same split
  "$PY" - "$RUN" <<'PYEOF'
import json, sys
from pathlib import Path
run = Path(sys.argv[1])
parts = [z for z in ("zoo-9616", "zoo-9616b", "zoo-9616c") if (run / z / "truth.json").is_file()]
truths = [json.loads((run / z / "truth.json").read_text()) for z in parts]
seen, models, dropped = set(), [], []
for t in truths:
    for key, out in (("models", models), ("dropped", dropped)):
        for m in t[key]:
            if m["name"] not in seen:
                seen.add(m["name"])
                out.append(m)
joined = {**truths[0], "models": models, "dropped": dropped, "joined": " + ".join(parts)}
(run / "zoo-9616j" / "truth.json").write_text(json.dumps(joined, indent=1) + "\n")
rows, names = [], set()
for s in ("9616", "9616b", "9616c"):
    f = run / f"detect{s}.jsonl"
    for line in f.read_text().splitlines() if f.is_file() else []:
        if line.strip() and json.loads(line)["name"] not in names:
            names.add(json.loads(line)["name"])
            rows.append(line)
(run / "detect9616j.jsonl").write_text("".join(r + "\n" for r in rows))
PYEOF
fi
A=()
for S in 9217 9616; do
  Z="$RUN/zoo-$S"; RUNS="$RUN/detect$S.jsonl"
  [ "$S" = 9616 ] && [ -d "$RUN/zoo-9616j" ] && Z="$RUN/zoo-9616j" && RUNS="$RUN/detect9616j.jsonl"
  [ -s "$RUNS" ] || continue
  gzip -c "$RUNS" > "$O/detect${S}_runs.jsonl.gz"
  gzip -c "$Z/truth.json" > "$O/zoo-${S}_truth.json.gz"
  for f in build$S.log score$S.log score${S}b.log score${S}c.log; do [ -f "$RUN/$f" ] && cp "$RUN/$f" "$O/"; done
  "$PY" benchmarks/outside_zoo_score.py "$Z" --out "$RUNS" --score \
      --per-model --json "$O/detect${S}_score.json" > "$O/detect${S}_score.txt"
  A+=(--rows "$S=$O/detect${S}_runs.jsonl.gz,$O/zoo-${S}_truth.json.gz")
done
cp "$RUN/load.log" "$O/" 2>/dev/null
"$PY" benchmarks/outside_c8_rule.py --name C9 --stop74 --today "$O/cal_C7_before.json" "${CALS[@]}" "${A[@]}" \
    --json "$O/rule74_C9.json" > "$O/rule74_C9.txt"
"$PY" benchmarks/outside_lean_zone.py --today "$O/cal_C7_before.json" --beside "$O/cal_C5_s74.json" \
    --candidate "$O/cal_C9_now.json" "${A[@]}" > "$O/fresh74_zone.txt"
for fam in dws_gap res_gap gap_relu; do
  "$PY" benchmarks/outside_family_carry.py --family $fam \
      --cal C7="$O/cal_C7_before.json" --cal C9="$O/cal_C9_now.json" \
      --cal C5="$O/cal_C5_s74.json" "${A[@]}"
done > "$O/fresh74_carry.txt"
# beside, deciding nothing: every spent GAP head (dev.sh's rows) with the fresh union
DEV="$(cat $D/outside_s65_h9/dev65_rows.args)"
for s in s65_h9:9207 s65_h9:9606 s66_h9:9208 s66_h9:9607 s67_h9:9209 s67_h9:9608 \
         s68_h9:9210 s68_h9:9609 s69_h9:9211 s69_h9:9610 s70_h9:9212 s70_h9:9611 \
         s71_h9:9213 s71_h9:9612 s71_h9r:9214 s71_h9r:9613 s72_h9:9215 s72_h9:9614 \
         s73_h9:9216 s73_h9:9615; do
  DEV+=" --rows ${s#*:}=$D/outside_${s%%:*}/detect${s#*:}_runs.jsonl.gz,$D/outside_${s%%:*}/zoo-${s#*:}_truth.json.gz"
done
"$PY" benchmarks/outside_c8_rule.py --name C9 --today "$O/cal_C7_before.json" "${CALS[@]}" $DEV "${A[@]}" \
    | sed -n '/^== union/,$p' > "$O/pooled74_C9.txt"
