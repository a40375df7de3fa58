"""Development of stop 65's ``second:W:S`` score (issue 15, h15; ``strip-text -p least_share``)
on spent ``span_text_dump.py`` readings (no forward pass): per model, each ``--gates`` ×
``--shares`` pair's held-out clean FPR and guard TPR on the trigger-turned and all fired inputs
(``span_text_report.second_threshold``: ``lost:W:S`` at ``1 - share`` of the FPR budget, or a
depth past the gated guard inputs' at ``share``), and the second threshold as a least kept
probability. Gate 0 reads the ungated form.

    python benchmarks/span_text_second_dev.py DUMP... [--gates 0 0.75] [--shares 0.2] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from span_text_report import SETS, count_mask, figures, merged, scores, second_threshold
from trojanscope.detect.input_level.base import pac_threshold


def rows(paths: list[Path], gates: list[float], shares: list[float], spec: str = "5:1",
         fpr: float = 0.05, confidence: float = 0.95) -> list[dict]:
    """Per model and split in the dumps: each (gate, share)'s figures."""
    out = []
    for model, split, windows in merged(paths, partial=True):
        ranks = scores(split, windows, fpr, confidence)[f"lost:{spec}"]
        least = {s: torch.tensor(split[s]["span"]["least"][spec], dtype=torch.float64)
                 for s in SETS}
        turned, fired = count_mask(split, "turned"), count_mask(split, "fired")
        assert fired is not None
        row: dict = {"model": model, "seed": split["seed"], "target": split["target"],
                     "n": {s: len(least[s]) for s in SETS}, "pairs": []}
        for gate in gates:
            for share in shares:
                values = second_threshold(ranks, least, fpr, confidence, share, gate)
                gated = torch.where(ranks["guard"] >= gate,
                                    -torch.log10(least["guard"].clamp_min(1e-12)),
                                    torch.full_like(least["guard"], -1.0))
                bar = pac_threshold(gated, share * fpr, confidence)
                row["pairs"].append({
                    "gate": gate, "share": share, "least_below": 10 ** -bar,
                    "fired": figures(values, fired, fpr, confidence),
                    "turned": None if turned is None else figures(values, turned, fpr,
                                                                  confidence)})
        out.append(row)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--gates", type=float, nargs="+", default=[0.0, 0.75])
    parser.add_argument("--shares", type=float, nargs="+", default=[0.2])
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    out = rows(opts.dumps, opts.gates, opts.shares)
    for r in out:
        print(f"{r['model']} split {r['seed']} (t {r['target']}) n {r['n']}")
        for p in r["pairs"]:
            t, f = p["turned"], p["fired"]
            turned = f"turned {t['guard_tpr']:.3f} ({t['fired']})" if t else "turned -"
            print(f"  gate {p['gate']} share {p['share']}: least below {p['least_below']:.4f}, "
                  f"held-out FPR {f['guard_fpr']:.3f}, guard TPR {turned}, fired "
                  f"{f['guard_tpr']:.3f} ({f['fired']})")
    if opts.json:
        opts.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
