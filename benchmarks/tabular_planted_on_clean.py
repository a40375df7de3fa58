"""Does a planted value trigger move clean networks too? (issue 16, stop 34b; development only)

For each backdoored MLP given (a ``tabular-values`` trigger), its trigger set on the test rows
of other classes than its target: the flip rate (rows then given to the target) of the
backdoored model, of the clean MLPs of its zoo (mean, max) and of the linear reference the
excess subtracts (:func:`.tabular_excess.reference_model`, seed as ``detect``'s). A trigger
that clean models and the reference also follow is a combination of natural risk factors:
the excess (model less reference) cannot single it out.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from tabular_joint_excess import credit_default_reference, planted
from trojanscope.detect.tabular_excess import _apply
from trojanscope.io.models import load_model


def flip_rate(net: torch.nn.Module, x: torch.Tensor, t: int) -> float:
    with torch.no_grad():
        return float((net(x).argmax(1) == t).float().mean())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", required=True, help="backdoored MLP folders")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    schema, x_all, y_all, ref = credit_default_reference(args.seed)
    print("| model | trigger | backdoored | clean MLPs of its zoo: mean (max), n | reference |")
    print("|---|---|---|---|---|")
    for folder in args.models:
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
        attack = manifest["attack"]
        values = dict(kv.split("=", 1) for kv in attack["trigger"]["values"].split(","))
        t = int(attack["target"])
        x = _apply(x_all[torch.nonzero(y_all != t).flatten()], planted(schema, values))
        own = flip_rate(load_model(folder).module.eval(), x, t)
        cleans = []
        for other in sorted(Path(folder).parent.glob("clean-*")):
            m = json.loads((other / "manifest.json").read_text())
            if m["arch"]["name"] == manifest["arch"]["name"]:
                cleans.append(flip_rate(load_model(str(other)).module.eval(), x, t))
        name = "/".join(Path(folder).parts[-2:])
        print(
            f"| `{name}` | {attack['trigger']['values']} | {own:.2f} | "
            f"{np.mean(cleans):.2f} ({max(cleans):.2f}), {len(cleans)} | "
            f"{flip_rate(ref, x, t):.2f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
