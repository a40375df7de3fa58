"""Development of stop 63's ``deep:W:S`` score (issue 15, h15) on spent ``span_text_dump.py``
readings (no forward pass): per model, today's ``lost:W:S`` and ``deep:W:S`` at each
``--weights`` value (the mixture score plus WEIGHT times ``-log10`` of the least kept
probability with the worst window removed, ranked within the ``lost`` groups; 0 is today's),
their guard FPR (held-out clean) and guard TPR on the trigger-turned and all fired inputs at
the guard's own threshold, ROC-AUC; and the least kept probability's quantiles per set, the
why (within the group that loses its class, clean sentences lose it shallowly, triggered ones
deeply).

    python benchmarks/span_text_deep_dev.py --model NAME DUMP... [--model NAME DUMP...]
        [--weights 0 0.25] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from span_text_report import SETS, count_mask, deepened, figures, lost_rank, merged

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def quantiles(values: torch.Tensor) -> list[float]:
    """``values`` at :data:`QUANTILES` (empty: none)."""
    if not len(values):
        return []
    return [round(float(v), 3) for v in torch.quantile(values, torch.tensor(QUANTILES,
                                                                           dtype=values.dtype))]


def rows(paths: list[Path], weights: list[float], spec: str = "5:1", fpr: float = 0.05,
         confidence: float = 0.95) -> list[dict]:
    """Per model and split in the dumps: each weight's figures, and where the least kept
    probabilities lie (guard inputs that lose their class, trigger-turned inputs)."""
    out = []
    for model, split, _ in merged(paths, partial=True):
        strip = {s: torch.tensor(split[s]["score"], dtype=torch.float64) for s in SETS}
        least = {s: torch.tensor(split[s]["span"]["least"][spec], dtype=torch.float64)
                 for s in SETS}
        turned, fired = count_mask(split, "turned"), count_mask(split, "fired")
        assert fired is not None
        row: dict = {"model": model, "seed": split["seed"], "target": split["target"],
                     "n": {s: len(strip[s]) for s in SETS}, "weights": {}}
        for w in weights:
            values = lost_rank(deepened(strip, least, w), least)
            row["weights"][str(w)] = {
                "fired": figures(values, fired, fpr, confidence),
                "turned": None if turned is None else figures(values, turned, fpr, confidence)}
        lost = least["guard"] < 0.5
        row["least"] = {"guard_lost": quantiles(least["guard"][lost]),
                        "turned": quantiles(least["trig"][turned if turned is not None
                                                           else fired])}
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", action="append", required=True,
                        metavar="NAME DUMP", help="a name, then that model's dumps")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 0.25])
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    out = []
    for name, *dumps in opts.model:
        if not dumps:
            parser.error(f"--model {name}: give its dumps after the name")
        out += rows([Path(d) for d in dumps], opts.weights)
    for r in out:
        print(f"{r['model']} split {r['seed']} (t {r['target']}) n {r['n']}; least kept, "
              f"guard inputs that lose their class {r['least']['guard_lost']}, turned "
              f"{r['least']['turned']} (quantiles {list(QUANTILES)})")
        for w, got in r["weights"].items():
            t, f = got["turned"], got["fired"]
            turned = (f"turned {t['guard_tpr']:.3f} ({t['fired']}), AUC {t['auc']:.3f}"
                      if t else "turned -")
            print(f"  weight {w}: guard FPR {f['guard_fpr']:.3f}, guard TPR {turned}; fired "
                  f"{f['guard_tpr']:.3f} ({f['fired']})")
    if opts.json:
        opts.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
