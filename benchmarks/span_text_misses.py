"""Today's misses and a candidate's (issue 15, stop 59, h15): per model and split of
``span_text_dump.py`` readings, each fired triggered input that today's ``strip-text`` guard
(``strip``) or the candidate (a score of ``span_text_report.scores``) misses at its own guard
threshold, with its ``strip`` score, own probability and least kept probability with one
window removed, and (stop 61) whether the trigger turned it (its clean twin not in the target
class, where the dump has ``twin_pred``; None otherwise); and the held-out clean inputs either
flags. No forward pass.

    python benchmarks/span_text_misses.py DUMP... --candidate lost:5:1 [--partial] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from torch import Tensor

from span_text_report import count_mask, merged, scores
from trojanscope.detect.input_level.base import pac_threshold


def misses(paths: list[Path], candidate: str, fpr: float, confidence: float,
           partial: bool = False) -> list[dict]:
    """Per model and split: the fired triggered inputs each score misses and the held-out
    clean inputs each flags (indices into the dump's sets), with their readings."""
    out = []
    for model, split, windows in merged(paths, partial):
        spec = candidate.partition(":")[2]
        values = scores(split, windows, fpr, confidence)
        flags = {}
        for name in ("strip", candidate):
            v = values[name]
            t = v.get("threshold")
            t = pac_threshold(v["guard"], fpr, confidence) if t is None else t
            flags[name] = {s: (v[s] > t).tolist() for s in ("neg", "trig")}
        fires = split["fires"]
        turned = count_mask(split, "turned")
        out.append({"model": model, "seed": split["seed"], "candidate": candidate,
                    "fired": sum(fires), "lost_share": lost_share(split, spec),
                    "turned": None if turned is None else int(turned.sum()),
                    "missed": [row(split, spec, flags, candidate, i, turned)
                               for i in range(len(fires))
                               if fires[i] and not (flags["strip"]["trig"][i]
                                                    and flags[candidate]["trig"][i])],
                    "neg_flagged": {k: [i for i, f in enumerate(v["neg"]) if f]
                                    for k, v in flags.items()}})
    return out


def row(split: dict, spec: str, flags: dict, candidate: str, i: int,
        turned: Tensor | None = None) -> dict:
    """Triggered input ``i``'s readings, whether each score flags it and whether the trigger
    turned it (``turned``: the split's mask, None where the dump has no twins)."""
    trig = split["trig"]
    return {"i": i, "strip": trig["score"][i], "own": trig["own"][i],
            "least": trig["span"]["least"][spec][i] if spec else None,
            "today": flags["strip"]["trig"][i], "candidate": flags[candidate]["trig"][i],
            "turned": None if turned is None else bool(turned[i])}


def lost_share(split: dict, spec: str) -> dict[str, float] | None:
    """Per set the share of inputs (triggered: the fired ones) whose least kept probability
    with one window of ``spec`` removed is below 1/2 (two classes: the class lost)."""
    if not spec:
        return None
    out = {}
    for s in ("guard", "neg", "trig"):
        least = split[s]["span"]["least"][spec]
        keep = split["fires"] if s == "trig" else [True] * len(least)
        mine = [v for v, k in zip(least, keep, strict=True) if k]
        out[s] = sum(v < 0.5 for v in mine) / max(len(mine), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--candidate", required=True)
    parser.add_argument("--fpr", type=float, default=0.05)
    parser.add_argument("--confidence", type=float, default=0.95)
    parser.add_argument("--partial", action="store_true")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    rows = misses(opts.dumps, opts.candidate, opts.fpr, opts.confidence, opts.partial)
    for r in rows:
        print(f"{r['model']} split {r['seed']}: {r['fired']} fired, {r['turned']} turned; "
              "held-out clean flagged "
              f"today {r['neg_flagged']['strip']}, candidate {r['neg_flagged'][r['candidate']]}"
              f"; share losing its class without its worst window {r['lost_share']}")
        for m in r["missed"]:
            least = "" if m["least"] is None else f" least {m['least']:.3f}"
            print(f"  trig {m['i']}: strip {m['strip']:.3f} own {m['own']:.3f}{least} "
                  f"today {'flagged' if m['today'] else 'missed'}, candidate "
                  f"{'flagged' if m['candidate'] else 'missed'}, turned {m['turned']}")
    if opts.json:
        opts.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
