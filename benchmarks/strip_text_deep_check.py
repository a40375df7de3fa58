"""Check of ``strip-text -p occlude_rule=deep`` against the report's simulated ``deep:5:1`` on a
real MiniLM folder (issue 15, stop 63, h15): on ``triggered_split``'s split (seed 0, as
``span_text_dump.py``), the detector fitted on the whole guard half as the dump's reader fitted
its mixtures-only detector (the same generator, so the same partners), then, for the first
``--first`` inputs of each set, the score the detector ranks (its mixture score raised by
``DEEP_WEIGHT`` times ``-log10`` of the least kept, and the group) against the dump's
(``strip`` + the same raise; least kept below 1/2). The ranks themselves are ``lost``'s code.

    python benchmarks/strip_text_deep_check.py RUN DUMP.json... [--first 20] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from span_text_report import merged
from strip_text_default_check import split_of
from trojanscope.detect.input_level.span_occlusion import protected_ids
from trojanscope.detect.input_level.strip_text import DEEP_WEIGHT
from trojanscope.registry import create


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("dumps", type=Path, nargs="+")
    parser.add_argument("--first", type=int, default=20, help="inputs of each set compared")
    parser.add_argument("--json", type=Path)
    opts = parser.parse_args()
    torch.set_num_threads(1)
    model, split_x, gen = split_of(opts.folder)
    sets = dict(zip(("guard", "neg", "trig"), split_x[:3], strict=True))
    with torch.no_grad():
        det = create("input-detector", "strip-text", occlude=0)  # the dump's mixtures only
        det.fit(model, sets["guard"], generator=gen)  # the same partners as the dump's
        det.occ_, det.protected_ = (5, 1, "deep"), protected_ids(model)  # then read as deep
    (split,) = [s for m, s, _ in merged(opts.dumps, partial=True) if m == opts.folder.name]
    out: dict = {"model": opts.folder.name, "weight": DEEP_WEIGHT}
    for name in ("guard", "trig"):
        x = sets[name][:opts.first]
        with torch.no_grad():
            raised, lost = det._pair(x)
        least = torch.tensor(split[name]["span"]["least"]["5:1"][:opts.first], dtype=torch.float64)
        want = torch.tensor(split[name]["score"][:opts.first], dtype=torch.float64) \
            - DEEP_WEIGHT * torch.log10(least.clamp_min(1e-12))
        out[name] = {"n": len(x),
                     "max_abs_diff_raised": float((raised.double() - want).abs().max()),
                     "groups_agree": int(((lost > 0.5) == (least < 0.5)).sum())}
    print(json.dumps(out, indent=1))
    if opts.json:
        opts.json.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
