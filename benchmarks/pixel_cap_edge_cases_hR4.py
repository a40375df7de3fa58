"""Review hR4 (issue 14, stop 41): ``mahalanobis``' isolated and rare columns uncapped (the
default ``pixel_cap=0``) on inputs far from the MNIST digits they were decided on: does any score
reach inf/NaN or an absurd scale, and does the clean tail (the threshold's ground) stay sane?

Each case fits the default detector (``pixel_cap=0``) and ``pixel_cap=null`` (the earlier
default) on 300 clean images and scores 700 new clean ones and the probes named; a fixed random
linear read-out stands in for the model (the pixel columns read the input alone). Last, on
30 random MNIST subsets of 400 and 500 (the benchmark's guard sizes), how far the pixel
columns' spreads sit above the one-pixel step (a ratio over 1: the step does not bind).

    PYTHONPATH=src python benchmarks/pixel_cap_edge_cases_hR4.py --json OUT.json
    PYTHONPATH=OLD/src python benchmarks/pixel_cap_edge_cases_hR4.py --cases-only  # before
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch
from torch import nn

from trojanscope import registry
from trojanscope.data import load_dataset
from trojanscope.detect.input_level.consistency import TAIL_Z
from trojanscope.detect.input_level.edges import data_span
from trojanscope.detect.input_level.isolated import data_floor


def linear(d: int) -> nn.Module:
    """A fixed random read-out of ``d`` inputs (10 classes)."""
    torch.manual_seed(1)
    return nn.Sequential(nn.Flatten(), nn.Linear(d, 10)).eval()


def cases(x: torch.Tensor) -> dict[str, tuple[torch.Tensor, dict[str, torch.Tensor]]]:
    """{case: (1000 clean images, {probe: images})}."""
    centred = x.clone()
    for sl in (slice(None, 5), slice(-5, None)):
        centred[..., sl, :] = 0
        centred[..., :, sl] = 0
    border = centred[300:310].clone()
    border[..., 1, 14] = 1.0
    thick = nn.functional.max_pool2d(x, 3, 1, 1)
    lone = thick[300:310].clone()
    lone[..., 13:16, 2:5] = 0.0
    lone[..., 14, 3] = 1.0
    small = nn.functional.adaptive_avg_pool2d(x, 8)
    return {
        "mnist 28x28": (x, {"all white": torch.ones(1, 1, 28, 28),
                            "all black": torch.zeros(1, 1, 28, 28),
                            "0-255 scale": x[300:310] * 255}),
        "mnist on a 0-255 scale": (x * 255, {"all white": torch.full((1, 1, 28, 28), 255.0)}),
        "8x8 (mnist pooled)": (small, {"all white": torch.ones(1, 1, 8, 8)}),
        "3 channels (mnist x3)": (x.repeat(1, 3, 1, 1), {"all white": torch.ones(1, 3, 28, 28)}),
        "centred (5-pixel dark border)": (centred, {"one border pixel": border,
                                                    "uncropped digits": x[300:]}),
        "thick strokes (3x3 max)": (thick, {"one lone pixel": lone}),
    }


def run_case(clean: torch.Tensor, probes: dict[str, torch.Tensor]) -> dict[str, dict]:
    out = {}
    for label, pixel_cap in (("pixel_cap=0", 0.0), ("pixel_cap=null", None)):
        det = registry.create("input-detector", "mahalanobis", pixel_cap=pixel_cap)
        det.fit(linear(clean[0].numel()), clean[:300], generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            new = det.score(clean[300:])
            got = {k: det.score(v) for k, v in probes.items()}
        finite = bool(torch.isfinite(new).all()) and all(
            bool(torch.isfinite(v).all()) for v in got.values())
        out[label] = {"spread_isolated": float(det.spread_[-2]),
                      "spread_rare": float(det.spread_[-1]),
                      "new_clean_q99": float(new.quantile(0.99)),
                      "new_clean_max": float(new.max()), "finite": finite,
                      **{f"{k} max": float(v.max()) for k, v in got.items()}}
        print(f"  {label}: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
                                         for k, v in out[label].items()), flush=True)
    return out


def step_margin(x: torch.Tensor, repeats: int = 15) -> dict[str, dict[str, float]]:
    """Smallest spread / one-pixel step over ``repeats`` random subsets of 400 and 500."""
    from trojanscope.detect.input_level.isolated import isolated_step  # since review hR4

    gen = torch.Generator().manual_seed(123)
    out = {}
    for n in (400, 500):
        iso = rare = float("inf")
        for r in range(repeats):
            sub = x[torch.randperm(len(x), generator=gen)[:n]]
            det = registry.create("input-detector", "mahalanobis", transforms=[],
                                  pixel_cap=None)  # the spreads tail_scale gives, unfloored
            det.fit(linear(784), sub, generator=torch.Generator().manual_seed(r))
            step = isolated_step(sub, data_floor(sub), data_span(sub)) / TAIL_Z
            iso = min(iso, float(det.spread_[-2]) / step)
            rare = min(rare, float(det.spread_[-1]) * TAIL_Z)
        out[str(n)] = {"isolated_spread_over_step_min": iso, "rare_spread_over_step_min": rare}
        print(f"MNIST subsets of {n}: smallest spread / step: isolated {iso:.2f}, rare "
              f"{rare:.2f}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--cases-only", action="store_true",
                    help="skip the step margin (a tree from before review hR4 lacks the step)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    x = load_dataset("mnist", "test").x[:1000]
    result = {}
    for name, (clean, probes) in cases(x).items():
        print(name, flush=True)
        result[name] = run_case(clean, probes)
    if not args.cases_only:
        result["step margin on MNIST"] = step_margin(x)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
