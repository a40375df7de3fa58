"""Whether a change left a default exactly as it was: run once with each checkout's ``src`` on
``PYTHONPATH`` (the same script, the same inputs), then ``compare`` the two files.

``calibrate``: :func:`calibrate`'s probability, under the shipped calibration of the checkout
on the path, for every committed row with features under ``benchmarks/data`` and five verdicts
per calibrator key (features drawn from its mean and scale, seed 0). ``gated``: a digest of the
weights ``gated`` leaves on a tiny flagged MLP (the detector replaced by a fixed verdict), with
its real first stage and seeds 0 and 3. Review of stop 41 (issues 15 and 12)::

    PYTHONPATH=/tmp/parent/src python benchmarks/same_default.py calibrate --out a.json
    PYTHONPATH=src python benchmarks/same_default.py calibrate --out b.json
    python benchmarks/same_default.py compare a.json b.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data"


def committed_rows() -> list[tuple[str, dict[str, Any]]]:
    """(name, row) for every committed row that a detector verdict can be rebuilt from."""
    out = []
    for path in sorted(DATA.rglob("*.json")):
        try:
            rows = json.loads(path.read_text())
        except (ValueError, UnicodeDecodeError):
            continue
        for i, r in enumerate(rows if isinstance(rows, list) else []):
            if isinstance(r, dict) and isinstance(r.get("features"), dict) and "method" in r:
                out.append((f"{path.relative_to(DATA)}#{i}", r))
    return out


def calibrated() -> dict[str, list[Any]]:
    """{verdict: [probability, family]} (a probability of ``None``: calibrate raised)."""
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.detect.calibration import calibrate, load_calibrators

    cals = load_calibrators()
    verdicts = []
    for name, r in committed_rows():
        feats = {k: float(v) for k, v in r["features"].items() if isinstance(v, (int, float))}
        verdicts.append((name, r["method"], r.get("family") or "", feats,
                         list(r.get("traits") or []), bool(r.get("data_free", False))))
    rng = random.Random(0)
    for key, c in cals.items():
        method, _, family = key.partition(":")
        for j in range(5):
            feats = {f: (c.mean[k] if c.mean else 0.0)
                     + rng.gauss(0.0, 1.0) * (c.scale[k] if c.scale else 1.0)
                     for k, f in enumerate(c.features)}
            verdicts.append((f"{key}#{j}", method, family, feats, [], False))
    out: dict[str, list[Any]] = {}
    for name, method, family, feats, traits, data_free in verdicts:
        v = ModelVerdict(method, 0.0, [0, 1], [], dict(feats), family=family, traits=traits,
                         data_free=data_free)
        try:
            out[name] = [calibrate(v, cals).probability, family]
        except Exception as exc:  # a raise is a result to compare too
            out[name] = [None, f"{family} {type(exc).__name__}"]
    return out


def gated_digests() -> dict[str, list[Any]]:
    """{setting: [weight digest, the second stage's action]} on a tiny flagged MLP."""
    import torch
    from torch import nn

    from trojanscope import registry
    from trojanscope.data.dataset import TensorDataset
    from trojanscope.detect.base import ModelVerdict
    from trojanscope.mitigate import gated

    torch.set_num_threads(1)
    gated.detector_verdict = lambda *a: ModelVerdict("auto", 0.0, [2, 0, 1], [], probability=0.9)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(160, 1, 8, 8, generator=g) * 0.4
    x[80:] += 0.5
    y = torch.cat([torch.zeros(80), torch.ones(80)]).long()
    clean = TensorDataset(x, y, ["a", "b", "c"], "tiny", "test")
    out: dict[str, list[Any]] = {}
    for seed in (0, 3):
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 3))
        method = registry.create("mitigation", "gated", unlearn=True, eps=0.3, kept=1.01)
        purified = method.apply(model.eval(), clean, seed=seed)
        h = hashlib.sha256()
        for k, v in purified.state_dict().items():
            h.update(k.encode())
            h.update(v.detach().numpy().tobytes())
        out[f"seed {seed}"] = [h.hexdigest()[:16],
                               method.report_.get("unlearn", {}).get("action")]
    return out


def compare(a: Path, b: Path) -> dict[str, Any]:
    """How many entries are equal, and which differ (by family or setting)."""
    x, y = json.loads(a.read_text()), json.loads(b.read_text())
    differ = sorted(k for k in x if x[k] != y.get(k))
    by: dict[str, int] = {}
    for k in differ:
        by[str(x[k][1])] = by.get(str(x[k][1]), 0) + 1
    return {"entries": len(x), "same": len(x) - len(differ), "differ": len(differ),
            "differ_by": by, "only_in_b": sorted(set(y) - set(x))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["calibrate", "gated", "compare"])
    parser.add_argument("files", nargs="*", type=Path, help="compare: the two outputs")
    parser.add_argument("--out", type=Path, help="calibrate/gated: the JSON to write")
    opts = parser.parse_args()
    if opts.what == "compare":
        if len(opts.files) != 2:
            parser.error("compare takes two files")
        print(json.dumps(compare(*opts.files), indent=1))
        return
    if opts.out is None:
        parser.error(f"{opts.what} needs --out")
    result = calibrated() if opts.what == "calibrate" else gated_digests()
    opts.out.write_text(json.dumps(result, indent=0, sort_keys=True) + "\n")
    print(f"{len(result)} entries -> {opts.out}")


if __name__ == "__main__":
    main()
