"""`gated:conv_gate=R` with the bar relative to the model's own reach (``conv_gap=D``), read on
development CNNs only (issue 12, stop 68: h12c).

Two parts. (1) Stored readings: the per-class stripe and warp reach that ``conv_gate``'s probe
wrote for MNIST CNNs the detector passed (stop 66's development probes of spent zoo-2480 and
dev-2471, the clean CNNs of fresh zoos 2481-2483 and 2483's passed WaNet CNN) and the lead's
reading of the suite's clean synthetic CNN (stop 67); each decided by
:func:`conv_gate.standing_out` at ``conv_gap`` 0 (the bar alone) and at D. (2) ``--synthetic``:
the suite's width-8 CNN on the synthetic 16x16 set (``tests/conftest.py``'s recipe, seed 0)
trained clean and poisoned by BadNets, SIG and WaNet, each read by the same probe on the
stage's split of the test split (every class ranked), then decided the same way. No model is
treated; the seconds are the probe's.

    PYTHONPATH=src:benchmarks python benchmarks/conv_gap_s68_cnn.py [--bar 0.8] [--gap 0.3] \
        [--synthetic]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from trojanscope.mitigate.conv_gate import standing_out

DATA = Path(__file__).resolve().parent / "data"


def stored() -> list[tuple[str, str, dict[int, tuple[float, float]]]]:
    """(model, truth, class -> (stripe, warp)) from the stored probe files."""
    out = []
    for name in ("2480-clean000", "2471-clean000", "2480-wanet003"):
        row = json.loads((DATA / "mitigate_s66_cnn" / f"dev-probe-{name}.json").read_text())[
            "rows"][0]
        truth = f"{row['attack']} -> {row['target']}" if row["attack"] else "clean"
        out.append((f"{name.split('-')[0]}/{row['name']}", truth,
                    {c: (s, w) for c, (s, w) in enumerate(zip(row["stripe"], row["warp"],
                                                              strict=True))}))
    for path, models in (("mitigate_s66_cnn/fresh-2481.json", ("clean-000",)),
                         ("mitigate_s66_cnn/fresh-2482.json", ("clean-000",)),
                         ("mitigate_s67_cnn/fresh-2483.json", ("clean-000", "wanet-001"))):
        data = json.loads((DATA / path).read_text())
        notes = data["gated:conv_gate=0.8"]["notes"]
        truth = {r["name"]: (f"{r['attack']}" if r["attack"] else "clean")
                 for r in data["gated"]["rows"]}
        for m in models:
            g = notes[m]["conv_gate"]
            out.append((f"{path.split('-')[-1][:4]}/{m}", truth.get(m, "?"),
                        {int(c): (g["stripe"][c], g["warp"][c]) for c in g["stripe"]}))
    lead = (DATA / "mitigate_s67_cnn" / "lead_conv_gate_clean.txt").read_text()
    g = json.loads(lead.split("conv_gate ", 1)[1].splitlines()[0])
    out.append(("suite synthetic CNN", "clean",
                {int(c): (g["stripe"][c], g["warp"][c]) for c in g["stripe"]}))
    return out


def decide(read: dict[int, tuple[float, float]], bar: float, gap: float) -> str:
    """``conv_gate``'s decision on ``read`` (every class ranked, in class order)."""
    counted = standing_out(read, sorted(read), gap)
    if not counted:
        return "closed (none stands out)"
    c = max(sorted(counted), key=lambda k: counted[k])
    return f"{'OPEN' if counted[c] >= bar else 'closed'} -> {c} ({counted[c]:.2f})"


def best(read: dict[int, tuple[float, float]], kind: int) -> str:
    order = sorted(read, key=lambda c: -read[c][kind])
    gap = read[order[0]][kind] - (read[order[1]][kind] if len(order) > 1 else 0.0)
    return f"{read[order[0]][kind]:.2f} ({order[0]}), +{gap:.2f}"


def synthetic() -> list[tuple[str, str, dict[int, tuple[float, float]], float]]:
    """The suite's synthetic CNN clean and poisoned, each read by ``conv_gate``'s probe."""
    import torch

    from trojanscope import registry
    from trojanscope.data import load_dataset
    from trojanscope.engine import Trainer
    from trojanscope.experiment import run_experiment
    from trojanscope.mitigate.conv_gate import reaches
    from trojanscope.mitigate.gated_defaults import STRIPE_GATE, UNLEARN, WARP
    from trojanscope.mitigate.guard import hold_back

    torch.set_num_threads(1)
    train, test = load_dataset("synthetic", "train"), load_dataset("synthetic", "test")
    out = []
    for name in (None, "badnets", "sig", "wanet"):
        attack = None if name is None else registry.create("attack", name, target=2, seed=0)
        run = run_experiment("synthetic", attack=attack, arch="cnn", arch_params={"width": 8},
                             trainer=Trainer(epochs=8, batch_size=32, lr=3e-3), seed=0,
                             train_split=train, test_split=test)
        model = run.model.eval()
        fit, val, _, _ = hold_back(model, test, UNLEARN["val_fraction"], 0)
        start = time.process_time()
        read = reaches(model, fit, val, list(range(test.num_classes)), STRIPE_GATE["eps"], WARP)
        asr = run.metrics.get("attack_success_rate")
        truth = "clean" if name is None else f"{name} -> 2 (ASR {asr:.2f})"
        out.append((f"synthetic {name or 'clean'}", truth, read, time.process_time() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bar", type=float, default=0.8, help="conv_gate's bar")
    parser.add_argument("--gap", type=float, default=0.3, help="conv_gap's D")
    parser.add_argument("--synthetic", action="store_true",
                        help="also train and read the suite's synthetic CNNs")
    args = parser.parse_args()
    rows = [(*r, None) for r in stored()] + (synthetic() if args.synthetic else [])
    print(f"| model | truth | best stripe (class), above the next | best warp (class), above "
          f"the next | conv_gate={args.bar} | conv_gate={args.bar},conv_gap={args.gap} |")
    print("|---|---|---|---|---|---|")
    for model, truth, read, cpu in rows:
        extra = "" if cpu is None else f" [probe {cpu:.1f} s CPU]"
        print(f"| {model}{extra} | {truth} | {best(read, 0)} | {best(read, 1)} | "
              f"{decide(read, args.bar, 0.0)} | {decide(read, args.bar, args.gap)} |")


if __name__ == "__main__":
    main()
