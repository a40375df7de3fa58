"""The named class's reversed blend, per source class and per opacity (issue 9, stop 73: h9).

Stop 72 asked for a reading that parts, where the class the verdict names is the model's noise
favourite, a clean GAP head leaning there from a backdoor aimed there: e.g. whether the reversed
trigger of that class moves clean inputs of *every* class to it (a backdoor's switch) or only
the inputs already near it (a lean). Here, for one class ``c`` of one model, one whole-image
pattern is optimised (as :mod:`trojanscope.detect.blend_probe` does, for ``c`` alone: Adam on a
sigmoid's input, 40 steps) at each opacity of :data:`ALPHAS` so that ``(1 - a) x + a P`` sends
half of the other classes' clean inputs to ``c``; the other half (held out) is read: the share
sent to ``c``, per source class and in all, and the lowest source class's share.
Measurement only (development, on spent seeds): it decides nothing.

    PYTHONPATH=src:benchmarks python benchmarks/outside_fav_reach.py ZOO/NAME:CLASS … \\
        --out reach.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/outside_fav_reach.py --print reach.jsonl
"""

from __future__ import annotations

import argparse
import json
import resource
from pathlib import Path

import torch
import torch.nn.functional as F

from _common import fail, run_main

ALPHAS = (0.1, 0.07, 0.05, 0.04, 0.03, 0.02)  # 0.1: the blend probe's own opacity
STEPS, LEARNING_RATE = 40, 0.1  # the blend probe's
SEED = 0


def reach(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, cls: int, alpha: float,
          generator: torch.Generator) -> dict:
    """At opacity ``alpha``, the held-out share of other-class inputs the optimised blend sends
    to ``cls``: in all, per source class, the lowest, and how many source classes reach 0.5."""
    others = torch.nonzero(y != cls).flatten()
    order = others[torch.randperm(len(others), generator=generator)]
    fit, held = order[: len(order) // 2], order[len(order) // 2:]
    low, span = float(x.min()), max(float(x.max() - x.min()), 1e-6)
    raw = torch.zeros([1, *x.shape[1:]], requires_grad=True)
    opt = torch.optim.Adam([raw], lr=LEARNING_RATE)
    labels = torch.full((len(fit),), cls)

    def blended(inputs: torch.Tensor) -> torch.Tensor:
        return (1 - alpha) * inputs + alpha * (low + span * torch.sigmoid(raw))

    with torch.enable_grad():
        for _ in range(STEPS):
            loss = F.cross_entropy(model(blended(x[fit])), labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        hit = model(blended(x[held])).argmax(1) == cls
    source = y[held]
    per = {int(c): round(float(hit[source == c].float().mean()), 3) for c in source.unique()}
    return {"share": round(float(hit.float().mean()), 3), "per": per, "min": min(per.values()),
            "classes_half": sum(v >= 0.5 for v in per.values())}


def read_one(zoo: Path, name: str, cls: int) -> dict:
    """Every opacity's reach of ``cls`` on ``zoo/name.pt`` read on ``zoo/clean.npz``."""
    from trojanscope.data.resolve import load_dataset
    from trojanscope.io.models import load_model

    model = load_model(zoo / f"{name}.pt").module.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    data = load_dataset(zoo / "clean.npz", "all")
    out: dict = {"zoo": str(zoo), "name": name, "cls": cls}
    for a in ALPHAS:
        out[str(a)] = reach(model, data.x, data.y, cls, a, torch.Generator().manual_seed(SEED))
    return out


def print_rows(path: Path) -> None:
    """A table of ``path``'s rows: each model's truth (its zoo's ``truth.json``), then per
    opacity the share in all / the lowest source class's share."""
    print(f"{'model':<28} {'truth':<6} cls  " + "  ".join(f"a={a:<9}" for a in ALPHAS)
          + "  (share in all / lowest source class)")
    for line in path.read_text().splitlines():
        row = json.loads(line)
        zoo = Path(row["zoo"])
        truth = {m["name"]: m for m in json.loads((zoo / "truth.json").read_text())["models"]}
        m = truth[row["name"]]
        who = f"{zoo.name.removeprefix('zoo-')}/{row['name']}"
        kind = f"bd->{m['target']}" if m["backdoored"] else "clean"
        print(f"{who:<28} {kind:<6} {row['cls']:>3}  " + "  ".join(
            f"{row[str(a)]['share']:.2f} / {row[str(a)]['min']:.2f}" for a in ALPHAS))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", metavar="ZOO/NAME:CLASS")
    ap.add_argument("--out", type=Path, help="one JSON line a model")
    ap.add_argument("--print", type=Path, dest="show", help="print a table of these rows")
    args = ap.parse_args(argv)
    if args.show is not None:
        print_rows(args.show)
        return
    if not args.models or args.out is None:
        fail("give ZOO/NAME:CLASS … and --out, or --print ROWS")
    torch.set_num_threads(1)
    with args.out.open("a") as f:
        for spec in args.models:
            where, _, cls = spec.rpartition(":")
            path = Path(where)
            if not cls.isdigit() or not (path.parent / f"{path.name}.pt").is_file():
                fail(f"{spec!r}: give ZOO/NAME:CLASS with ZOO/NAME.pt present")
            start = resource.getrusage(resource.RUSAGE_SELF).ru_utime
            row = read_one(path.parent, path.name, int(cls))
            row["cpu_s"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_utime - start, 1)
            f.write(json.dumps(row) + "\n")
            f.flush()


if __name__ == "__main__":
    run_main(main)
