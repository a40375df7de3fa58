"""Write a calibration file with a whole-split ``network:twins`` calibrator (issue 16 stop 47).

Fits ``tabular-search:network:twins`` (networks read with clean twins at a whole clean split,
``-p twins=2``) on development probe rows (``tabular_class1_probe.py --twins 2``): the
features and design given (by default those of the band's ``network:twins:rows200``:
``tab_excess`` + ``tab_excess_vs_twins``, no transform, C = 10), and writes the shipped
calibration with that entry added. The shipped file reads no such entry unless a network is
read with twins outside the 150-300-row band, which only ``-p twins=N`` does.

    PYTHONPATH=src python benchmarks/tabular_class1_calibrate.py ROWS.json... --out CAL.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from trojanscope.detect.calibration import fit_calibrator, load_calibrators, save_calibrators

KEY = "tabular-search:network:twins"


def traits_of(zoo: Path, name: str) -> list[str]:
    """A zoo network's traits as the detector reports them (its activation)."""
    truth = json.loads((zoo / "truth.json").read_text())
    entry = next(m for m in truth["models"] if m["name"] == name)
    act = entry.get("arch_params", {}).get("activation")
    return [f"activation:{act}"] if act else []


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("rows", nargs="+", type=Path)
    ap.add_argument("--features", default="tab_excess,tab_excess_vs_twins")
    ap.add_argument("--transform", default="none", choices=("log", "none"))
    ap.add_argument("--c", type=float, default=10.0)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--zoo-root", type=Path, default=None,
                    help="rows without traits: the folder holding their zoos (truth.json)")
    args = ap.parse_args()
    rows = [r for f in args.rows for r in json.loads(f.read_text())]
    for r in rows:
        if "traits" not in r and args.zoo_root is not None:
            r["traits"] = traits_of(args.zoo_root / r["zoo"], r["name"])
    cals = load_calibrators()
    traits = Counter(t for r in rows for t in r.get("traits", []))
    cals[KEY] = fit_calibrator(
        KEY, [r["features"] for r in rows], [int(r["backdoored"]) for r in rows],
        args.features.split(","), transform=args.transform, c=args.c, seed=0,
        design=" + ".join(args.features.split(",")), sizes=["whole split"],
        zoo=sorted({r["zoo"] for r in rows}), coverage=dict(sorted(traits.items())))
    save_calibrators(cals, args.out)
    print(f"wrote {args.out}: {KEY} on {len(rows)} networks of {len(set(r['zoo'] for r in rows))}"
          " zoos")


if __name__ == "__main__":
    main()
