"""Can the tests of `gated`'s ``hand_check`` and ``stripe_top``/``stripe_eps`` fail? Each mutant
is one textual change to a copy of ``src`` (the worktree is never edited); the named test files
run against it, and a mutant is "caught" when pytest fails. Review of issue 12 stop 46.

    OMP_NUM_THREADS=1 python benchmarks/mutate_hand_check_s46.py --work /tmp/mut --out OUT.json
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ["tests/mitigate/test_gated_hand_check.py", "tests/mitigate/test_stripe_top.py",
         "tests/mitigate/test_nothing_left.py"]
G, N = "trojanscope/mitigate/gated.py", "trojanscope/mitigate/nothing_left.py"
# (name, file, old text, new text): each old text must occur once in the file
MUTANTS = [
    ("none (the tests must pass)", N, "RESPONDS = 0.2", "RESPONDS = 0.2"),
    ("responds: >= RESPONDS -> >", N, 'probe["trigger_after"] >= RESPONDS',
     'probe["trigger_after"] > RESPONDS'),
    ("responds: p >= bar -> >", N, "not projected and p >= bar", "not projected and p > bar"),
    ("responds: projection ignored", N, "bar > 0 and not projected and", "bar > 0 and"),
    ("responds: trigger_before read", N, 'probe["trigger_after"] >= RESPONDS',
     'probe["trigger_before"] >= RESPONDS'),
    ("gated: weak hand-back not checked", G, "handing = weak or (nothing and",
     "handing = (nothing and"),
    ("gated: revert despite responds", G, "elif nothing and not responds:", "elif nothing:"),
    ("gated: default HAND_CHECK 0", G, "HAND_CHECK = 0.9", "HAND_CHECK = 0.0"),
    ("stripe: first suspect only", G, "verdict.target_classes[: self.stripe_top or None]",
     "verdict.target_classes[:1]"),
    ("stripe: suspect not re-ranked", G, "verdict.target_classes = [suspect] +",
     "_unused = [suspect] +"),
    ("stripe: stripe_eps ignored", G,
     "eps = self.probe_eps if self.stripe_eps is None else self.stripe_eps",
     "eps = self.probe_eps"),
    ("stripe: 0 reads one class", G, "self.stripe_top or None", "self.stripe_top or 1"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, required=True, help="scratch folder for the copies")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    rows = []
    for name, rel, old, new in MUTANTS:
        src = args.work / "src"
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(ROOT / "src", src)
        path = src / rel
        text = path.read_text()
        if text.count(old) != 1:  # a docstring's copy would be mutated instead of the code
            rows.append({"mutant": name, "result": f"not applied ({text.count(old)} matches)"})
            print(json.dumps(rows[-1]), flush=True)
            continue
        path.write_text(text.replace(old, new, 1))
        env = {**os.environ, "PYTHONPATH": str(src), "OMP_NUM_THREADS": "1"}
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                              *TESTS], cwd=ROOT, env=env, capture_output=True, text=True)
        tail = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
        rows.append({"mutant": name, "caught": run.returncode != 0, "pytest": tail})
        print(json.dumps(rows[-1]), flush=True)
    args.out.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
