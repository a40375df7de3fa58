"""Stop 60 review (hrev): kind_centre_fit.figures as it stood at 01724cba against the one folded
onto outside_zoo_score.group_figures, on the stored foreign and own-zoo rows (wide_class_rows)
read by the shipped file, and on the same rows with seeded random readings; every figure set
must be equal.

    PYTHONPATH=src:benchmarks python benchmarks/data/hrev_s60/same_figures.py
"""
import importlib.util
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, "benchmarks")
from pathlib import Path

import kind_centre_fit as new
from trojanscope.detect.calibration import SHIPPED, load_calibrators
from wide_class_rows import foreign_rows, own_rows

source = subprocess.run(["git", "show", "01724cba:benchmarks/kind_centre_fit.py"], check=True,
                        capture_output=True, text=True).stdout
with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
    f.write(source)
spec = importlib.util.spec_from_file_location("old_kcf", f.name)
old = importlib.util.module_from_spec(spec)
spec.loader.exec_module(old)
shipped = load_calibrators(Path("src/trojanscope/detect") / SHIPPED)
rows = foreign_rows() + own_rows()
today = {r["key"]: new.today_reading(r, shipped) for r in rows}
checked = 0
rng = random.Random(0)
for pop in sorted({(r["pop"], r["seed"]) for r in rows}, key=str):
    sel = [r for r in rows if (r["pop"], r["seed"]) == pop]
    for got in (today, {k: {**v, "p": rng.random(), "suspect": rng.randrange(10)}
                        for k, v in today.items()}):
        a, b = old.figures(sel, got), new.figures(sel, got)
        assert a == b, (pop, a, b)
        checked += 1
sel = rows
for got in (today,):
    assert old.figures(sel, got) == new.figures(sel, got)
    checked += 1
one = [r for r in rows if not r["backdoored"]][:5]  # one class: None figures
assert old.figures(one, today) == new.figures(one, today)
print(f"{len(rows)} rows, {checked + 1} figure sets identical")
