#!/bin/bash
# stop 66 (issue 15, h15): the readings once the readers end (no forward pass). Input level, per
# fresh model read (guard and triggered whole, held-out clean to its own N >= 120): today's
# default (lost:5:1) against the candidate (second:5:1, strip-text -p least_share=0.2) under the
# turned count (rule_SEED), the fired count beside (rule_SEED_fired), today's alone for the
# pools (today_SEED); the plan's no-harm rule (span_text_noharm.py); misses, every score's
# figures, latency; the pools (this stop; with stops 59-65's fresh addsent readings); the
# candidate on the stored dumps (3200-3206) beside. Attack: the CLI JSONs against the twins, and
# the stored CA spread.   bash read.sh
cd /work/wt/h15 || exit 1
D=benchmarks/data; O=$D/text_s66_h15
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 HF_HUB_OFFLINE=1 PYTHONPATH=src:benchmarks
PY=/work/main/.venv/bin/python
held_out() {  # SEED: the held-out clean inputs read ("whole", a number, or "short" when the
  # guard or triggered set is not whole or fewer than 120 held-out were read)
  $PY - "$@" <<'PYEOF'
import sys
from pathlib import Path
from span_text_report import merged
paths = sorted(Path("benchmarks/data/text_s66_h15").glob(f"dump_both_*_addsent-{sys.argv[1]}.json"))
got = [s for _, s, _ in merged(paths, partial=True)] if paths else []
if not got:
    print("short"); sys.exit()
s = got[0]; size = s["sizes"]; n = {k: len(s[k]["score"]) for k in ("guard", "trig", "neg")}
whole = n["guard"] == size["guard"] and n["trig"] == size["trig"]
print("short" if not whole or n["neg"] < 120 else "whole" if n["neg"] == size["neg"] else n["neg"])
PYEOF
}
READ=(); : > $O/read_counts.txt
for s in 3207 3208 3209; do
  n=$(held_out $s); echo "addsent-$s held-out read: $n" | tee -a $O/read_counts.txt
  [ "$n" = short ] && continue
  READ+=("$s"); CUTOPT=(); PART=(); [ "$n" = whole ] || { CUTOPT=(--neg-first "$n"); PART=(--partial); }
  DUMPS=$(ls $O/dump_both_*_addsent-$s.json)
  R=(benchmarks/span_text_rule.py $DUMPS --min-count 30 --expect 1 "${CUTOPT[@]}")
  $PY "${R[@]}" --today lost:5:1 --candidate second:5:1 --count turned --json $O/rule_$s.json > $O/rule_$s.txt
  $PY "${R[@]}" --today lost:5:1 --candidate second:5:1 --count fired --json $O/rule_${s}_fired.json > $O/rule_${s}_fired.txt
  $PY "${R[@]}" --candidate lost:5:1 --goal-only --count turned --json $O/today_$s.json > $O/today_$s.txt
  for score in lost second; do
    $PY benchmarks/span_text_misses.py $DUMPS --candidate $score:5:1 "${PART[@]}" --json $O/misses_${score}_$s.json > $O/misses_${score}_$s.txt
  done
  $PY benchmarks/span_text_report.py $DUMPS "${PART[@]}" --json $O/report_$s.json > $O/report_$s.txt
done
RULES=(); TODAY=(); for s in "${READ[@]}"; do RULES+=($O/rule_$s.json); TODAY+=($O/today_$s.json); done
if [ ${#READ[@]} -gt 0 ]; then
  $PY benchmarks/span_text_noharm.py "${RULES[@]}" --need addsent-3207 addsent-3208 --json $O/noharm.json > $O/noharm.txt
  $PY benchmarks/span_text_pool.py "${TODAY[@]}" --json $O/pool.json > $O/pool.txt
  $PY benchmarks/span_text_pool.py "${RULES[@]}" --score second:5:1 --json $O/pool_candidate.json > $O/pool_candidate.txt
  $PY benchmarks/span_text_pool.py "${TODAY[@]}" $D/text_s65_h15/rule_today.json $D/text_s64_h15/rule_today.json \
    $D/text_s63_h15/rule_today.json $D/text_s62_h15/rule.json $D/text_s61_h15/after_the_fact.json --json $O/pool_all.json > $O/pool_all.txt
fi
$PY benchmarks/span_text_report.py $O/dump_both_*.json --latency --json $O/latency.json > $O/latency.txt
# beside, no rule: the candidate against today's on the stored dumps it can be read on
STORED=$(ls $D/text_s62_h15/dump_both_*3200.json $D/text_s63_h15/dump_both_*320[12].json $D/text_s64_h15/dump_both_*320[34].json $D/text_s65_h15/dump_both_*320[56].json)
$PY benchmarks/span_text_rule.py $(echo "$STORED" | grep 3200) --today lost:5:1 --candidate second:5:1 --count turned --min-count 30 --expect 1 --neg-first 160 --json $O/stored_3200.json > /dev/null
$PY benchmarks/span_text_rule.py $(echo "$STORED" | grep -v 3200) --today lost:5:1 --candidate second:5:1 --count turned --min-count 30 --expect 6 --json $O/stored_rest.json > /dev/null
$PY benchmarks/span_text_noharm.py $O/stored_3200.json $O/stored_rest.json --json $O/stored_noharm.json > $O/stored_noharm.txt
$PY benchmarks/minilm_confirm_read.py $O --seeds 3207 3208 3209 --json $O/attack.json > $O/attack.txt
bash $O/as_run/spread.sh
